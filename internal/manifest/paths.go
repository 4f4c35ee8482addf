package manifest

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Path rules. A target path is absolute, clean ("..", "//", "." and a trailing '/' are
// refused rather than normalised, so what is written is what is used), free of NUL, outside
// /nix/store (world-readable) and outside the mount points (the engine owns them). Under a
// symlink root only the entry's own default path is allowed: anything else would be a
// symlink inside a generation, lost at the next switch.

const nixStore = "/nix/store"

// checkRuntimeDir stands in for $XDG_RUNTIME_DIR while a user-mode manifest is validated:
// validity does not depend on the directory, as long as it is absolute and clean.
// An unlikely name, so that a literal path never collides with an expanded one.
const checkRuntimeDir = "/run/user/.hush-check-runtime-dir"

// expandRuntimeDir replaces %r with dir and %% with %, as sops-install-secrets does.
func expandRuntimeDir(p, dir string) string {
	if !strings.Contains(p, "%") {
		return p
	}
	parts := strings.Split(p, "%%")
	for i := range parts {
		parts[i] = strings.ReplaceAll(parts[i], "%r", dir)
	}
	return strings.Join(parts, "%")
}

// absPathProblem says what is wrong with p as an absolute path, or "".
func absPathProblem(p string) string {
	switch {
	case p == "":
		return "empty"
	case strings.IndexByte(p, 0) >= 0:
		return "contains a NUL byte"
	case !filepath.IsAbs(p):
		return "not an absolute path"
	case filepath.Clean(p) != p:
		return fmt.Sprintf("not a clean path (did you mean %q?)", filepath.Clean(p))
	}
	return ""
}

// within says whether p is root or inside it.
func within(p, root string) bool {
	return p == root || strings.HasPrefix(p, strings.TrimSuffix(root, "/")+"/")
}

func inNixStore(p string) bool { return within(p, nixStore) }

// nameProblem says what is wrong with a secret or template name, or "". Names become
// relative paths inside a generation: '/' separates subdirectories, as in sops-nix.
func nameProblem(name string) string {
	if name == "" {
		return "empty name"
	}
	if strings.HasPrefix(name, "/") {
		return "name must not start with '/'"
	}
	for _, c := range name {
		if c < 0x20 || c == 0x7f {
			return "name contains a control character"
		}
	}
	for _, comp := range strings.Split(name, "/") {
		switch {
		case comp == "":
			return "name has an empty path component (\"//\" or a trailing '/')"
		case comp == "." || comp == "..":
			return fmt.Sprintf("name has a %q component", comp)
		case len(comp) > 255:
			return "name has a component longer than 255 bytes"
		}
	}
	return ""
}

// ExpandUserPaths replaces %r with runtimeDir (normally $XDG_RUNTIME_DIR) and %% with % in
// the mount points, symlinks and every secret's and template's path, as sops-nix does in
// user mode, then re-derives Link. It does nothing unless UserMode is set, and nothing the
// second time. It fails when
// runtimeDir is not absolute and clean, or when an expanded path breaks a rule.
func (m *Manifest) ExpandUserPaths(runtimeDir string) error {
	if !m.UserMode || m.expanded {
		return nil // once only: a second pass would expand the %r that %%r became
	}
	if p := absPathProblem(runtimeDir); p != "" {
		return fmt.Errorf("%s: runtime directory %q: %s", m.File, runtimeDir, p)
	}
	if runtimeDir == "/" {
		return fmt.Errorf("%s: runtime directory must not be /", m.File)
	}
	x := func(p string) string { return expandRuntimeDir(p, runtimeDir) }
	m.MountPoint, m.Symlink = x(m.MountPoint), x(m.Symlink)
	m.UsersMountPoint, m.UsersSymlink = x(m.UsersMountPoint), x(m.UsersSymlink)
	for i := range m.Secrets {
		m.Secrets[i].Path = x(m.Secrets[i].Path)
	}
	for i := range m.Templates {
		m.Templates[i].Path = x(m.Templates[i].Path)
	}
	m.expanded = true
	var ps problems
	m.checkTargets(&ps, "")
	return ps.err(m.File)
}
