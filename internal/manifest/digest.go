package manifest

import (
	"crypto/sha256"
	"encoding/binary"
)

// Digests for incremental activation. A digest covers every resolved field of an entry that
// changes what is installed (name, source, key, format, path and link, owner, group, mode,
// phase) and nothing else: restartUnits and reloadUnits only say whom to tell about a
// change, so editing them changes no installed file and no digest. What an entry's source
// holds (ciphertext, a template File's text, a plain file) and how names resolve to ids on
// this host are not in the manifest: the engine hashes those itself.
//
// The encoding is a domain string, then each field in a fixed order as a tag byte and a
// length-prefixed value, so no two different entries encode alike and a digest is stable
// across runs and hush versions until the domain string changes. (json.Marshal did the same
// job at ten times the cost; the engine digests every entry on every activation.)

// The put functions append one field to b. Callers start b on a stack buffer, so digesting
// allocates nothing for ordinary entries.

func putStr(b []byte, tag byte, s string) []byte {
	b = append(b, tag)
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func putID(b []byte, tag byte, p *int) []byte {
	if p == nil {
		return append(b, tag, 0)
	}
	return binary.AppendUvarint(append(b, tag, 1), uint64(*p))
}

func putFlag(b []byte, tag byte, v bool) []byte {
	if v {
		return append(b, tag, 1)
	}
	return append(b, tag, 0)
}

func putAttrs(b []byte, a *FileAttrs) []byte {
	b = putStr(b, 10, a.Path)
	b = putStr(b, 11, a.Link)
	b = putStr(b, 12, a.Owner)
	b = putID(b, 13, a.UID)
	b = putStr(b, 14, a.Group)
	b = putID(b, 15, a.GID)
	return putStr(b, 16, a.Mode)
}

// Digest is the stable SHA-256 of the secret's resolved entry (see above).
func (s *Secret) Digest() [32]byte {
	var buf [384]byte
	b := putStr(buf[:0], 0, "hush manifest secret v1")
	b = putStr(b, 1, s.Name)
	switch src := s.Source; {
	case src.Sops != nil:
		b = putStr(b, 2, "sops")
		b = putStr(b, 3, src.Sops.File)
		b = putStr(b, 4, src.Sops.Key)
		b = putStr(b, 5, string(src.Sops.Format))
	case src.Age != nil:
		b = putStr(b, 2, "age")
		b = putStr(b, 3, src.Age.File)
	case src.File != nil:
		b = putStr(b, 2, "file")
		b = putStr(b, 3, src.File.Path)
	default:
		b = putStr(b, 2, "")
	}
	b = putAttrs(b, &s.FileAttrs)
	b = putStr(b, 20, string(s.Phase))
	return sha256.Sum256(b)
}

// Digest is the stable SHA-256 of the template's resolved entry. The values it embeds are
// covered by the referenced secrets' digests and sources; the placeholder rules by
// (*Manifest).SettingsDigest.
func (t *Template) Digest() [32]byte {
	var buf [384]byte
	b := putStr(buf[:0], 0, "hush manifest template v1")
	b = putStr(b, 1, t.Name)
	b = putFlag(b, 2, t.File != "")
	b = putStr(b, 3, t.Content)
	b = putStr(b, 4, t.File)
	b = putAttrs(b, &t.FileAttrs)
	return sha256.Sum256(b)
}

// SettingsDigest is the stable SHA-256 of the manifest-wide settings that change installed
// results: roots, filesystem, user mode, origin (which decides placeholder syntax) and
// placeholders. keepGenerations, failurePolicy, logging, identities and hostRecipients
// decide how an install runs, not what it installs, and are left out.
func (m *Manifest) SettingsDigest() [32]byte {
	var buf [384]byte
	b := putStr(buf[:0], 0, "hush manifest settings v1")
	b = putStr(b, 1, string(m.Origin))
	b = putStr(b, 2, m.MountPoint)
	b = putStr(b, 3, m.Symlink)
	b = putStr(b, 4, m.UsersMountPoint)
	b = putStr(b, 5, m.UsersSymlink)
	b = putFlag(b, 6, m.UseTmpfs)
	b = putFlag(b, 7, m.UserMode)
	for i := range m.Secrets { // manifest order, not map order
		n := m.Secrets[i].Name
		if ph, ok := m.Placeholders[n]; ok {
			b = putStr(b, 8, n)
			b = putStr(b, 9, ph)
		}
	}
	return sha256.Sum256(b)
}
