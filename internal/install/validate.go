package install

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"
)

// validateConfig re-checks what the engine relies on for safety, whatever built the
// Config: names stay inside the generation, targets are unique, modes are file modes.
// (internal/manifest does the user-facing validation; this is the engine's own guard.)
func validateConfig(cfg *Config) error {
	if !filepath.IsAbs(cfg.MountPoint) || !filepath.IsAbs(cfg.Symlink) {
		return fmt.Errorf("mount point %q and symlink %q must be absolute paths", cfg.MountPoint, cfg.Symlink)
	}
	if filepath.Clean(cfg.MountPoint) == filepath.Clean(cfg.Symlink) {
		return fmt.Errorf("mount point and symlink are both %s", cfg.Symlink)
	}
	seen := map[string]string{}
	check := func(what, rel string, a Attrs) error {
		if rel == "" || path.IsAbs(rel) || path.Clean(rel) != rel || rel == "." || strings.HasPrefix(rel, "../") || rel == ".." {
			return fmt.Errorf("%s: name must be a clean relative path", what)
		}
		if strings.ContainsFunc(rel+a.Path, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return fmt.Errorf("%s: control characters in its name or path", what)
		}
		if first := strings.SplitN(rel, "/", 2)[0]; first == metaDir {
			return fmt.Errorf("%s: the name %s is reserved", what, metaDir)
		}
		if a.Mode&^0o7777 != 0 {
			return fmt.Errorf("%s: mode %o is not a file mode", what, a.Mode)
		}
		if other, dup := seen[rel]; dup {
			return fmt.Errorf("%s: same file as %s", what, other)
		}
		seen[rel] = what
		if a.Path != "" {
			if !filepath.IsAbs(a.Path) {
				return fmt.Errorf("%s: path %q must be absolute", what, a.Path)
			}
			p := "path:" + filepath.Clean(a.Path)
			if other, dup := seen[p]; dup {
				return fmt.Errorf("%s: path %s is also the path of %s", what, a.Path, other)
			}
			seen[p] = what
		}
		return nil
	}
	for _, s := range cfg.Secrets {
		what := "secret " + s.Name
		if s.Name == RenderedDir || strings.HasPrefix(s.Name, RenderedDir+"/") && len(cfg.Templates) > 0 {
			return fmt.Errorf("%s: %s/ holds templates", what, RenderedDir)
		}
		if err := check(what, s.Name, s.Attrs); err != nil {
			return err
		}
		if s.File == "" {
			return fmt.Errorf("%s: no source file", what)
		}
	}
	for _, t := range cfg.Templates {
		if err := check("template "+t.Name, RenderedDir+"/"+t.Name, t.Attrs); err != nil {
			return err
		}
	}
	// A name cannot be both a file and a directory of another name ("a" and "a/b").
	for rel, what := range seen {
		if strings.HasPrefix(rel, "path:") {
			continue
		}
		for dir := path.Dir(rel); dir != "."; dir = path.Dir(dir) {
			if other, ok := seen[dir]; ok {
				return fmt.Errorf("%s: %s is the file of %s", what, dir, other)
			}
		}
	}
	return nil
}
