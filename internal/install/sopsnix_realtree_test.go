package install

// The installed-tree snapshots TestSopsNixRealDifferential compares.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// realNode is one path of an installed tree, as both installers are compared on it.
type realNode struct {
	Kind     string // "dir", "file", "link"
	Mode     uint32
	UID, GID uint32
	Link     string // symlink target, with the instance's root replaced by <root>
	Size     int
	Sum      string // sha256 of the contents, for messages only
	data     []byte // compared with bytes.Equal, never printed
}

func (n realNode) String() string {
	if n.Kind == "link" {
		return fmt.Sprintf("link %d:%d -> %s", n.UID, n.GID, n.Link)
	}
	return fmt.Sprintf("%s %04o %d:%d %d bytes sha256 %.16s", n.Kind, n.Mode, n.UID, n.GID, n.Size, n.Sum)
}

// realTree walks root without following any symlink.
func realTree(t *testing.T, root string) map[string]realNode {
	t.Helper()
	out := map[string]realNode{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		n := realNode{Mode: st.Mode & 0o7777, UID: st.Uid, GID: st.Gid}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFDIR:
			n.Kind = "dir"
		case unix.S_IFLNK:
			n.Kind, n.Mode = "link", 0
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			n.Link = strings.ReplaceAll(l, root, "<root>")
		case unix.S_IFREG:
			n.Kind = "file"
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			n.data, n.Size, n.Sum = b, len(b), hex.EncodeToString(sum[:])
		default:
			return fmt.Errorf("%s: unexpected file type %o", rel, st.Mode&unix.S_IFMT)
		}
		out[rel] = n
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// diffRealTrees compares two trees: names, kinds, modes, owners, link targets, contents
// (bytes.Equal; a mismatch shows lengths and hashes only).
func diffRealTrees(sis, hush map[string]realNode) []string {
	var d []string
	for _, k := range unionKeys(sis, hush) {
		a, okA := sis[k]
		b, okB := hush[k]
		switch {
		case !okA:
			d = append(d, fmt.Sprintf("%s: only hush has it: %v", k, b))
		case !okB:
			d = append(d, fmt.Sprintf("%s: only sops-install-secrets has it: %v", k, a))
		case a.Kind != b.Kind || a.Mode != b.Mode || a.UID != b.UID || a.GID != b.GID || a.Link != b.Link || !bytes.Equal(a.data, b.data):
			d = append(d, fmt.Sprintf("%s: sops-install-secrets %v, hush %v", k, a, b))
		}
	}
	return d
}

// currentOnly keeps, of the mount point mnt (relative), only the generation the symlink
// link (relative) points to, renamed to "current", and returns its number.
func currentOnly(t *testing.T, tree map[string]realNode, mnt, link string) (map[string]realNode, string) {
	t.Helper()
	cur := filepath.Base(tree[link].Link)
	out := map[string]realNode{}
	for k, n := range tree {
		if rest, ok := strings.CutPrefix(k, mnt+"/"); ok {
			gen, sub, _ := strings.Cut(rest, "/")
			if gen == cur {
				k = filepath.Join(mnt, "current", sub)
			} else if gen != "" && gen[0] >= '0' && gen[0] <= '9' {
				continue
			}
		}
		if k == link {
			n.Link = filepath.Join(filepath.Dir(n.Link), "current")
		}
		out[k] = n
	}
	return out, cur
}

// generations lists the numbered generation directories under mnt (relative).
func generations(tree map[string]realNode, mnt string) []string {
	var g []string
	for k, n := range tree {
		if rest, ok := strings.CutPrefix(k, mnt+"/"); ok && n.Kind == "dir" && !strings.Contains(rest, "/") && rest[0] >= '0' && rest[0] <= '9' {
			g = append(g, rest)
		}
	}
	sort.Strings(g)
	return g
}
