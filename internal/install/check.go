package install

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/hush-nix/hush/internal/keys"
	"github.com/hush-nix/hush/internal/manifest"
	"github.com/hush-nix/hush/internal/sopsfile"
)

// Check verifies at build time, without any private key, what can be verified: every sops
// source parses and carries sops metadata, every key path exists (sops keeps key names in
// clear, only values are encrypted), template files resolve, and, when the manifest lists
// the host's recipients, every sops file is encrypted to one of them. Whole-file age
// sources are checked to be age files and, with host recipients, not to be encrypted only
// to other SSH keys (checkage.go: an X25519 stanza does not name its recipient, an SSH
// stanza does); plain file sources live on the host and are not checked. Every problem is
// returned, each naming its secret or file.
func Check(m *manifest.Manifest, cfgs []*Config) []error {
	var errs []error
	for _, cfg := range cfgs {
		hosts := hostSet(cfg.HostRecipients)
		parsed := map[string]*checkedFile{}
		for i := range cfg.Secrets {
			s := &cfg.Secrets[i]
			f, ok := parsed[s.File]
			if !ok {
				f = checkFile(s, hosts, cfg.HostRecipients)
				parsed[s.File] = f
				if f.err != nil {
					errs = append(errs, f.err)
				}
			}
			if f.err != nil || s.Kind != SourceSops || len(s.Key) == 0 || f.docs == nil {
				continue
			}
			if err := keyExists(f.docs, s.Key); err != nil {
				errs = append(errs, fmt.Errorf("secret %s: %s: key %s: %w", s.Name, s.File, keyString(s.Key), err))
			}
		}
		for i := range cfg.Templates {
			t := &cfg.Templates[i]
			if t.Content != "" || t.File == "" {
				continue
			}
			data, err := os.ReadFile(t.File)
			if err != nil {
				errs = append(errs, fmt.Errorf("template %s: %w", t.Name, err))
				continue
			}
			for _, mt := range m.Templates {
				if mt.Name == t.Name {
					if _, err := m.CheckTemplateRefs(&mt, data); err != nil {
						errs = append(errs, err)
					}
				}
			}
		}
	}
	return errs
}

type checkedFile struct {
	docs []sopsfile.Branch
	err  error
}

func checkFile(s *Secret, hosts map[string]bool, hostRecipients []string) *checkedFile {
	if s.Kind == SourceFile {
		return &checkedFile{}
	}
	data, err := os.ReadFile(s.File)
	if err != nil {
		return &checkedFile{err: fmt.Errorf("secret %s: %w", s.Name, err)}
	}
	if s.Kind == SourceAge {
		if !sopsfile.IsAgeFile(data) {
			return &checkedFile{err: fmt.Errorf("secret %s: %s is not an age file", s.Name, s.File)}
		}
		if len(hostRecipients) > 0 {
			if err := checkAgeRecipients(s.File, data, hostRecipients); err != nil {
				return &checkedFile{err: fmt.Errorf("secret %s: %w", s.Name, err)}
			}
		}
		return &checkedFile{}
	}
	st, err := sopsfile.StoreFor(sopsfile.Format(s.Format))
	if err != nil {
		return &checkedFile{err: fmt.Errorf("secret %s: %s: %w", s.Name, s.File, err)}
	}
	docs, err := st.Parse(data)
	if err != nil {
		return &checkedFile{err: fmt.Errorf("secret %s: %s: not a valid %s file: %w", s.Name, s.File, s.Format, err)}
	}
	var meta *sopsfile.Metadata
	for _, d := range docs {
		// The metadata is the "sops" item holding a mapping: a dotenv file may also have a
		// plain variable named sops, which is data.
		for _, it := range d {
			b, isMap := it.Value.(sopsfile.Branch)
			if k, _ := it.Key.(string); k != "sops" || !isMap {
				continue
			}
			md, err := sopsfile.ParseMetadata(b)
			if err != nil {
				return &checkedFile{err: fmt.Errorf("secret %s: %s: %w", s.Name, s.File, err)}
			}
			meta = &md
		}
	}
	if meta == nil {
		return &checkedFile{err: fmt.Errorf("secret %s: %s has no sops metadata: is it encrypted?", s.Name, s.File)}
	}
	if len(hosts) > 0 && !encryptedTo(meta, hosts) {
		return &checkedFile{err: fmt.Errorf("%s is not encrypted to this host (its recipients: %s)", s.File, strings.Join(recipientsOf(meta), ", "))}
	}
	return &checkedFile{docs: docs}
}

// hostSet is the host's recipients, with each ssh-ed25519 key also in its age form (what
// ssh-to-age gives, which is how sops-nix users usually encrypt to a host key).
func hostSet(recipients []string) map[string]bool {
	set := map[string]bool{}
	for _, r := range recipients {
		r = strings.TrimSpace(r)
		set[r] = true
		if strings.HasPrefix(r, "ssh-") {
			fields := strings.Fields(r)
			if len(fields) >= 2 {
				set[fields[0]+" "+fields[1]] = true
			}
			if a, err := keys.SSHToAgeRecipient([]byte(r)); err == nil {
				set[a] = true
			}
		}
	}
	return set
}

func recipientsOf(m *sopsfile.Metadata) []string {
	var out []string
	for _, g := range m.KeyGroups {
		for _, a := range g.Age {
			out = append(out, a.Recipient)
		}
		for _, p := range g.PGP {
			out = append(out, "pgp:"+p.Fingerprint)
		}
	}
	sort.Strings(out)
	return out
}

func encryptedTo(m *sopsfile.Metadata, hosts map[string]bool) bool {
	for _, r := range recipientsOf(m) {
		r = strings.TrimSpace(r)
		if hosts[r] || hosts[strings.TrimPrefix(r, "pgp:")] {
			return true
		}
		if f := strings.Fields(r); len(f) >= 2 && hosts[f[0]+" "+f[1]] {
			return true
		}
	}
	return false
}

// keyExists walks a key path through the encrypted document (keys are in clear).
func keyExists(docs []sopsfile.Branch, key []any) error {
	if len(docs) == 0 {
		return errors.New("the file has no document")
	}
	var cur any = docs[0]
	for i, k := range key {
		switch k := k.(type) {
		case string:
			b, ok := cur.(sopsfile.Branch)
			if !ok {
				return fmt.Errorf("%s does not refer to a mapping", keyString(key[:i]))
			}
			v, ok := b.Get(k)
			if !ok {
				return fmt.Errorf("the key %s cannot be found", keyString(key[:i+1]))
			}
			cur = v
		case int:
			l, ok := cur.([]any)
			if !ok || k < 0 || k >= len(l) {
				return fmt.Errorf("the index %s cannot be found", keyString(key[:i+1]))
			}
			cur = l[k]
		}
	}
	switch cur.(type) {
	case sopsfile.Branch, []any:
		return errors.New("refers to a mapping or list, not a value")
	}
	return nil
}
