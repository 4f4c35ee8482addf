package install

import (
	"fmt"
	"strconv"

	"github.com/hush-nix/hush/internal/manifest"
)

// FromManifest turns a parsed manifest into the engine's configs, one per tree: for hush's
// format the "users" phase (if it has secrets) comes first, then "system"; a sops-nix
// manifest is one tree (sops-nix writes one manifest per phase). In user mode the caller
// must have called m.ExpandUserPaths first.
func FromManifest(m *manifest.Manifest) ([]*Config, error) {
	if m.Origin == manifest.OriginSopsNix {
		c, err := configOf(m)
		if err != nil {
			return nil, err
		}
		return []*Config{c}, nil
	}
	var out []*Config
	users := m.ForPhase(manifest.PhaseUsers)
	if len(users.Secrets) > 0 {
		c, err := configOf(users)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	c, err := configOf(m.ForPhase(manifest.PhaseSystem))
	if err != nil {
		return nil, err
	}
	return append(out, c), nil
}

func configOf(m *manifest.Manifest) (*Config, error) {
	c := &Config{
		MountPoint:      m.MountPoint,
		Symlink:         m.Symlink,
		KeepGenerations: m.KeepGenerations,
		UseTmpfs:        m.UseTmpfs,
		UserMode:        m.UserMode,
		Strict:          m.FailurePolicy == manifest.Strict,
		HostRecipients:  m.HostRecipients,
		Identities: Identities{
			AgeKeyFile:  m.Identities.AgeKeyFile,
			SSHKeyPaths: m.Identities.SSHKeyPaths,
			GnuPGHome:   m.Identities.GnupgHome,
		},
	}
	// sops-nix's gnupg.sshKeyPaths (SSH RSA host keys converted to OpenPGP keys) defaults to
	// the host's RSA key, so most sops-nix manifests list one. hush does not convert them
	// yet: they are ignored, and a file encrypted only to such a key fails like any secret
	// without a matching identity (the CLI then points at this).
	if len(m.Secrets) > 0 {
		c.Secrets = make([]Secret, 0, len(m.Secrets))
	}
	if len(m.Templates) > 0 {
		c.Templates = make([]Template, 0, len(m.Templates))
	}
	for i := range m.Secrets {
		s := &m.Secrets[i]
		attrs, err := attrsOf(&s.FileAttrs)
		if err != nil {
			return nil, fmt.Errorf("secret %s: %w", s.Name, err)
		}
		out := Secret{Name: s.Name, Attrs: attrs}
		switch src := s.Source; {
		case src.Sops != nil:
			out.Kind, out.File, out.Format = SourceSops, src.Sops.File, string(src.Sops.Format)
			if out.Format == "" {
				out.Format = string(manifest.FormatYAML)
			}
			if out.Key, err = src.Sops.KeyPath(); err != nil {
				return nil, fmt.Errorf("secret %s: key: %w", s.Name, err)
			}
			switch manifest.Format(out.Format) {
			case manifest.FormatBinary, manifest.FormatDotenv, manifest.FormatINI:
				if m.Origin == manifest.OriginSopsNix {
					out.Key = nil // sops-nix installs these formats whole, whatever the key
				}
			}
		case src.Age != nil:
			out.Kind, out.File = SourceAge, src.Age.File
		case src.File != nil:
			out.Kind, out.File = SourceFile, src.File.Path
		default:
			return nil, fmt.Errorf("secret %s: no source", s.Name)
		}
		c.Secrets = append(c.Secrets, out)
	}
	var renderer = m.Renderer()
	for i := range m.Templates {
		t := &m.Templates[i]
		attrs, err := attrsOf(&t.FileAttrs)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", t.Name, err)
		}
		c.Templates = append(c.Templates, Template{Name: t.Name, Content: t.Content, File: t.File, Renderer: renderer, Attrs: attrs})
	}
	return c, nil
}

func attrsOf(a *manifest.FileAttrs) (Attrs, error) {
	mode := a.Mode
	if mode == "" {
		mode = manifest.DefaultMode
	}
	m, err := strconv.ParseUint(mode, 8, 32)
	if err != nil {
		return Attrs{}, fmt.Errorf("mode %q: %w", mode, err)
	}
	out := Attrs{
		Path: a.Link, Mode: uint32(m),
		RestartUnits: a.RestartUnits, ReloadUnits: a.ReloadUnits,
		Owner: Owner{Name: a.Owner}, Group: Owner{Name: a.Group},
	}
	if a.UID != nil {
		out.Owner.ID = *a.UID
	}
	if a.GID != nil {
		out.Group.ID = *a.GID
	}
	return out, nil
}
