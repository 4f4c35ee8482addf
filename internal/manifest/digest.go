package manifest

import (
	"crypto/sha256"
	"encoding/json"
)

// Digests for incremental activation. A digest covers every resolved field of an entry that
// changes what is installed (name, source, key, format, path and link, owner, group, mode,
// phase) and nothing else: restartUnits and reloadUnits only say whom to tell about a
// change, so editing them changes no installed file and no digest. What an entry's source
// holds (ciphertext, a template File's text, a plain file) and how names resolve to ids on
// this host are not in the manifest: the engine hashes those itself.
//
// The encoding is JSON of fixed structs (field order fixed, no maps) behind a domain string,
// so a digest is stable across runs and hush versions until the domain string changes.

type secretDigestInput struct {
	Domain string
	Name   string
	Source Source
	Path   string
	Link   string
	Owner  string
	UID    *int
	Group  string
	GID    *int
	Mode   string
	Phase  Phase
}

// Digest is the stable SHA-256 of the secret's resolved entry (see above).
func (s *Secret) Digest() [32]byte {
	return digestOf(secretDigestInput{
		Domain: "hush manifest secret v1",
		Name:   s.Name, Source: s.Source, Path: s.Path, Link: s.Link,
		Owner: s.Owner, UID: s.UID, Group: s.Group, GID: s.GID, Mode: s.Mode, Phase: s.Phase,
	})
}

type templateDigestInput struct {
	Domain  string
	Name    string
	Content string
	File    string
	Path    string
	Link    string
	Owner   string
	UID     *int
	Group   string
	GID     *int
	Mode    string
}

// Digest is the stable SHA-256 of the template's resolved entry. The values it embeds are
// covered by the referenced secrets' digests and sources; the placeholder rules by
// (*Manifest).SettingsDigest.
func (t *Template) Digest() [32]byte {
	return digestOf(templateDigestInput{
		Domain: "hush manifest template v1",
		Name:   t.Name, Content: t.Content, File: t.File, Path: t.Path, Link: t.Link,
		Owner: t.Owner, UID: t.UID, Group: t.Group, GID: t.GID, Mode: t.Mode,
	})
}

type placeholderPair struct{ Secret, Placeholder string }

type settingsDigestInput struct {
	Domain          string
	Origin          Origin
	MountPoint      string
	Symlink         string
	UsersMountPoint string
	UsersSymlink    string
	UseTmpfs        bool
	UserMode        bool
	Placeholders    []placeholderPair
}

// SettingsDigest is the stable SHA-256 of the manifest-wide settings that change installed
// results: roots, filesystem, user mode, origin (which decides placeholder syntax) and
// placeholders. keepGenerations, failurePolicy, logging, identities and hostRecipients
// decide how an install runs, not what it installs, and are left out.
func (m *Manifest) SettingsDigest() [32]byte {
	in := settingsDigestInput{
		Domain: "hush manifest settings v1", Origin: m.Origin,
		MountPoint: m.MountPoint, Symlink: m.Symlink,
		UsersMountPoint: m.UsersMountPoint, UsersSymlink: m.UsersSymlink,
		UseTmpfs: m.UseTmpfs, UserMode: m.UserMode,
	}
	for i := range m.Secrets { // manifest order, not map order
		n := m.Secrets[i].Name
		if ph, ok := m.Placeholders[n]; ok {
			in.Placeholders = append(in.Placeholders, placeholderPair{n, ph})
		}
	}
	return digestOf(in)
}

func digestOf(v any) [32]byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only plain strings, ints and bools: Marshal cannot fail.
		panic("manifest: digest encoding: " + err.Error())
	}
	return sha256.Sum256(b)
}
