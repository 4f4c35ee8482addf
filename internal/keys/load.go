package keys

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Where identities come from, in the order they are tried:
//
//  1. LoadOptions.Files (--identity FILE, repeatable)
//  2. $HUSH_AGE_KEY_FILE (a list, separated like $PATH)
//  3. $SOPS_AGE_KEY_FILE
//  4. $SOPS_AGE_KEY (inline; several keys per line allowed, as in sops)
//  5. $SOPS_AGE_KEY_CMD (its output, as a key file)
//  6. $SOPS_AGE_SSH_PRIVATE_KEY_FILE, then $SOPS_AGE_SSH_PRIVATE_KEY_CMD (unencrypted output)
//  7. LoadOptions.SSHKeyPaths (host keys, for install)
//  8. unless NoDefaults, sops' defaults: $XDG_CONFIG_HOME/sops/age/keys.txt (else
//     ~/.config/sops/age/keys.txt), ~/.ssh/id_ed25519, ~/.ssh/id_rsa.
//
// Everything named (1-7) must load: an error names the file. Defaults that are missing are
// skipped silently; defaults that exist but do not parse are skipped with a note, as sops
// does, because a stray ~/.ssh/id_rsa of an odd kind must not stop decryption with keys.txt.
//
// OpenPGP: LoadOptions.PGPKeyFiles and $HUSH_PGP_KEY_FILE (armored private keys, go-crypto),
// then the gpg binary with LoadOptions.GnuPGHome, else $GNUPGHOME, else (unless NoDefaults)
// ~/.gnupg.

type source struct {
	path     string
	inline   string // content, for $SOPS_AGE_KEY
	command  string // for $SOPS_AGE_KEY_CMD, $SOPS_AGE_SSH_PRIVATE_KEY_CMD
	envName  string
	label    string // how it is named in messages
	explicit bool
	multi    bool
}

func load(opts LoadOptions) (*Set, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	prompt := orTTY(opts.Prompt)
	s := &Set{opts: opts}
	st := &s.state
	st.pgpPrompt = prompt

	var sources []source
	for _, f := range opts.Files {
		sources = append(sources, source{path: f, label: f, explicit: true})
	}
	for _, f := range filepath.SplitList(getenv("HUSH_AGE_KEY_FILE")) {
		if f != "" {
			sources = append(sources, source{path: f, label: f + " ($HUSH_AGE_KEY_FILE)", explicit: true})
		}
	}
	if f := getenv("SOPS_AGE_KEY_FILE"); f != "" {
		sources = append(sources, source{path: f, label: f + " ($SOPS_AGE_KEY_FILE)", explicit: true})
	}
	if k := getenv("SOPS_AGE_KEY"); strings.TrimSpace(k) != "" {
		sources = append(sources, source{inline: k, label: "$SOPS_AGE_KEY", explicit: true, multi: true})
	}
	if c := getenv("SOPS_AGE_KEY_CMD"); strings.TrimSpace(c) != "" {
		sources = append(sources, source{command: c, envName: "SOPS_AGE_KEY_CMD", label: "$SOPS_AGE_KEY_CMD", explicit: true})
	}
	if f := getenv("SOPS_AGE_SSH_PRIVATE_KEY_FILE"); f != "" {
		sources = append(sources, source{path: f, label: f + " ($SOPS_AGE_SSH_PRIVATE_KEY_FILE)", explicit: true})
	}
	if c := getenv("SOPS_AGE_SSH_PRIVATE_KEY_CMD"); strings.TrimSpace(c) != "" {
		sources = append(sources, source{command: c, envName: "SOPS_AGE_SSH_PRIVATE_KEY_CMD", label: "$SOPS_AGE_SSH_PRIVATE_KEY_CMD", explicit: true})
	}
	for _, f := range opts.SSHKeyPaths {
		sources = append(sources, source{path: f, label: f, explicit: true})
	}
	if !opts.NoDefaults {
		if dir := userConfigDir(getenv); dir != "" {
			p := filepath.Join(dir, "sops", "age", "keys.txt")
			sources = append(sources, source{path: p, label: p})
		}
		if home := getenv("HOME"); home != "" {
			for _, name := range []string{"id_ed25519", "id_rsa"} {
				p := filepath.Join(home, ".ssh", name)
				sources = append(sources, source{path: p, label: p})
			}
		}
	}

	seenPath := map[string]bool{}
	seenRecipient := map[string]bool{}
	for _, src := range sources {
		data := []byte(src.inline)
		if src.command != "" {
			st.searched = append(st.searched, src.label)
			var err error
			if data, err = runKeyCommand(src.envName, src.command); err != nil {
				return nil, err
			}
		} else if src.path != "" {
			clean := filepath.Clean(src.path)
			if seenPath[clean] {
				continue
			}
			seenPath[clean] = true
			st.searched = append(st.searched, src.path)
			var err error
			data, err = os.ReadFile(src.path)
			if err != nil {
				if !src.explicit && errors.Is(err, fs.ErrNotExist) {
					continue
				}
				if !src.explicit {
					st.skipped = append(st.skipped, fmt.Sprintf("%s: %v", src.label, errors.Unwrap(err)))
					continue
				}
				return nil, fmt.Errorf("identity file %s: %w", src.label, err)
			}
		} else {
			st.searched = append(st.searched, src.label)
		}
		srcPrompt := prompt
		if src.command != "" {
			// Command output is used as it comes: there is no file to ask a passphrase for later.
			srcPrompt = func(string) ([]byte, error) {
				return nil, fmt.Errorf("the key printed by $%s is passphrase-protected, which is not supported", src.envName)
			}
		}
		ids, err := parseIdentityData(data, src.label, src.multi, srcPrompt)
		clear(data)
		if err != nil {
			if !src.explicit {
				st.skipped = append(st.skipped, err.Error())
				continue
			}
			return nil, err
		}
		for _, l := range ids {
			// The same key reachable twice (SOPS_AGE_KEY_FILE pointing at the default) is
			// tried once.
			if l.recipient != "" {
				if seenRecipient[l.recipient] {
					continue
				}
				seenRecipient[l.recipient] = true
			}
			st.ages = append(st.ages, l)
		}
	}
	st.buildOrders()

	pgpFiles := append([]string(nil), opts.PGPKeyFiles...)
	for _, f := range filepath.SplitList(getenv("HUSH_PGP_KEY_FILE")) {
		if f != "" {
			pgpFiles = append(pgpFiles, f)
		}
	}
	for _, f := range pgpFiles {
		list, err := readPGPKeyFile(f)
		if err != nil {
			return nil, fmt.Errorf("OpenPGP key file %s: %w", f, err)
		}
		secret := 0
		for _, e := range list {
			if e.PrivateKey == nil {
				continue
			}
			secret++
			st.pgp = append(st.pgp, pgpKey{entity: e, fingerprint: entityFingerprint(e), source: f})
		}
		if secret == 0 {
			return nil, fmt.Errorf("OpenPGP key file %s: holds no private key (only public keys)", f)
		}
	}

	home := opts.GnuPGHome
	if home == "" {
		home = getenv("GNUPGHOME")
	}
	if home == "" && !opts.NoDefaults {
		// Only an existing default home: gpg would otherwise create ~/.gnupg as a side effect.
		if d := defaultGnuPGHome(getenv); d != "" {
			if fi, err := os.Stat(d); err == nil && fi.IsDir() {
				home = d
			}
		}
	}
	if home != "" {
		st.gpg = newGPGHome(home, getenv)
	}
	return s, nil
}

// userConfigDir mirrors os.UserConfigDir on Linux (what sops uses) through getenv.
func userConfigDir(getenv func(string) string) string {
	if d := getenv("XDG_CONFIG_HOME"); d != "" && filepath.IsAbs(d) {
		return d
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".config")
	}
	return ""
}
