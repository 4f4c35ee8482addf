package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hush-nix/hush/internal/install"
	"github.com/hush-nix/hush/internal/keys"
	"github.com/hush-nix/hush/internal/leak"
	"github.com/hush-nix/hush/internal/manifest"
	"github.com/hush-nix/hush/internal/sopsfile"
)

// secretSources are the flags of scan and redact that say which secret values to look for.
type secretSources struct {
	sops, manifests, dirs, valueFiles, envs []string
	minLength                               int
	encodings                               []string
	idf                                     identityFlags
	ids                                     *keys.Set // loaded once, on the first --sops
}

func (s *secretSources) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringArrayVar(&s.sops, "sops", nil, "every string value of this sops (or whole-file age) `FILE`, named by its key path (repeatable)")
	f.StringArrayVar(&s.manifests, "manifest", nil, "every secret this install manifest `FILE` installs (repeatable)")
	f.StringArrayVar(&s.dirs, "secrets-dir", nil, "every regular file under `DIR`, e.g. /run/secrets (repeatable)")
	f.StringArrayVar(&s.valueFiles, "values-file", nil, "one secret value per line of `FILE` (repeatable)")
	f.StringArrayVar(&s.envs, "env", nil, "the value of environment variable `NAME` (repeatable)")
	f.IntVar(&s.minLength, "min-length", leak.DefaultMinLength, "shortest value looked for; shorter ones are listed as unscannable")
	f.StringSliceVar(&s.encodings, "encodings", nil, "only these encoding families: raw,base64,base64url,hex,percent,json,nix,lines (default all)")
	s.idf.register(cmd)
}

// load reads every source and builds the pattern set. Values never appear in errors.
func (s *secretSources) load() (*leak.PatternSet, error) {
	var secrets []leak.Secret
	add := func(name string, v []byte) {
		secrets = append(secrets, leak.Secret{Name: name, Value: trimNewline(v)})
	}
	for _, path := range s.sops {
		if s.ids == nil {
			ids, err := s.idf.load()
			if err != nil {
				return nil, fmt.Errorf("--sops %s: %w", path, err)
			}
			s.ids = ids
		}
		if err := loadSopsSecrets(s.ids, path, add); err != nil {
			return nil, err
		}
	}
	for _, path := range s.manifests {
		if err := loadManifestSecrets(path, add); err != nil {
			return nil, err
		}
	}
	for _, dir := range s.dirs {
		if err := loadSecretsDir(dir, add); err != nil {
			return nil, err
		}
	}
	for _, path := range s.valueFiles {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		for i, line := range bytes.Split(data, []byte("\n")) {
			if line = bytes.TrimRight(line, "\r"); len(line) > 0 {
				add(filepath.Base(path)+":"+strconv.Itoa(i+1), line)
			}
		}
	}
	for _, name := range s.envs {
		v, ok := os.LookupEnv(name)
		if !ok {
			return nil, fmt.Errorf("--env %s: variable not set", name)
		}
		add(name, []byte(v))
	}
	if len(secrets) == 0 {
		return nil, errors.New("no secrets to look for: give --sops, --manifest, --secrets-dir, --values-file or --env")
	}
	if s.minLength < 1 {
		return nil, fmt.Errorf("--min-length %d: must be at least 1", s.minLength)
	}
	return leak.NewPatternSet(secrets, leak.Options{MinLength: s.minLength, Encodings: s.encodings})
}

// trimNewline drops one trailing newline: a secret file usually ends with one, and the value
// without it is what leaks (and what matches in either case).
func trimNewline(v []byte) []byte {
	v = bytes.TrimSuffix(v, []byte("\n"))
	return bytes.TrimSuffix(v, []byte("\r"))
}

func loadSopsSecrets(ids *keys.Set, path string, add func(string, []byte)) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if sopsfile.IsAgeFile(data) {
		plain, err := sopsfile.DecryptAgeFile(path, data, ids)
		if err != nil {
			return err
		}
		add(filepath.Base(path), plain)
		return nil
	}
	format := sopsfile.FormatFromPath(path)
	f, err := sopsfile.Decrypt(path, data, format, ids)
	if err != nil {
		return err
	}
	if format == sopsfile.Binary {
		plain, err := f.Plaintext(format)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		add(filepath.Base(path), plain)
		return nil
	}
	for _, doc := range f.Docs {
		walkLeaves(doc, nil, add)
	}
	return nil
}

// walkLeaves calls add for every string leaf, named by its key path in sops-nix's slash
// form ("db/password", list elements by index).
func walkLeaves(v any, path []string, add func(string, []byte)) {
	switch v := v.(type) {
	case sopsfile.Branch:
		for _, it := range v {
			k, ok := it.Key.(string)
			if !ok || (len(path) == 0 && k == "sops") {
				continue // comments, and the metadata should a store leave it in
			}
			walkLeaves(it.Value, append(path, k), add)
		}
	case []any:
		for i, e := range v {
			walkLeaves(e, append(path, strconv.Itoa(i)), add)
		}
	case string:
		add(strings.Join(path, "/"), []byte(v))
	}
}

// loadManifestSecrets decrypts every secret a manifest installs, as install would (same
// identities, same value forms), each source file once.
func loadManifestSecrets(path string, add func(string, []byte)) error {
	m, err := manifest.Load(path)
	if err != nil {
		return err
	}
	cfgs, err := install.FromManifest(m)
	if err != nil {
		return err
	}
	for _, cfg := range cfgs {
		dec, err := install.NewDecrypter(cfg.Identities)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		opened := map[string]install.Opened{}
		for _, s := range cfg.Secrets {
			id := string(s.Kind) + "\x00" + s.Format + "\x00" + s.File
			o, ok := opened[id]
			if !ok {
				data, err := os.ReadFile(s.File)
				if err != nil {
					return fmt.Errorf("%s: secret %s: %w", path, s.Name, err)
				}
				if o, err = dec.Open(s.Kind, s.File, s.Format, data); err != nil {
					return fmt.Errorf("%s: secret %s: %w", path, s.Name, err)
				}
				opened[id] = o
			}
			v, err := o.Value(s.Key)
			if err != nil {
				return fmt.Errorf("%s: secret %s: %w", path, s.Name, err)
			}
			add(s.Name, v)
		}
	}
	return nil
}

// loadSecretsDir takes every regular file under dir (the directory itself may be a link, as
// /run/secrets is; links inside are not followed), named by its relative path.
func loadSecretsDir(dir string, add func(string, []byte)) error {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	var names []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("--secrets-dir %s: %w", dir, err)
	}
	sort.Strings(names)
	for _, p := range names {
		data, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("--secrets-dir %s: %w", dir, err)
		}
		rel, _ := filepath.Rel(root, p)
		add(filepath.ToSlash(rel), data)
	}
	return nil
}
