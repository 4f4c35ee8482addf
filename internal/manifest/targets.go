package manifest

import "path"

// checkTargets validates the roots and every entry's target path, reports duplicate and
// nested targets (across secrets and templates), and derives Link. rundir, when set, stands
// in for %r (user mode).
func (m *Manifest) checkTargets(ps *problems, rundir string) {
	x := func(p string) string {
		if rundir == "" {
			return p
		}
		return expandRuntimeDir(p, rundir)
	}
	type root struct {
		field, path string
		mount       bool
	}
	roots := []root{{"mountPoint", x(m.MountPoint), true}, {"symlink", x(m.Symlink), false}}
	if m.Origin == OriginHush {
		roots = append(roots, root{"usersMountPoint", x(m.UsersMountPoint), true}, root{"usersSymlink", x(m.UsersSymlink), false})
	} else {
		roots[0].field, roots[1].field = "secretsMountPoint", "symlinkPath"
	}
	rootsOK := true
	for i, r := range roots {
		msg := absPathProblem(r.path)
		switch {
		case msg != "":
		case r.path == "/":
			msg = "must not be /"
		case inNixStore(r.path):
			msg = "must not be in the Nix store"
		}
		if msg != "" {
			ps.add(loc{}, "", "field %q %q: %s", r.field, r.path, msg)
			rootsOK = false
			continue
		}
		for _, o := range roots[:i] {
			if within(r.path, o.path) || within(o.path, r.path) {
				ps.add(loc{}, "", "field %q %q and field %q %q overlap; they must be separate directories", o.field, o.path, r.field, r.path)
				rootsOK = false
			}
		}
	}

	type target struct {
		where loc
		name  string
	}
	targets := make(map[string]target, len(m.Secrets)+len(m.Templates))
	all := make([]string, 0, len(m.Secrets)+len(m.Templates))
	check := func(where loc, name string, a *FileAttrs, dflt string) {
		a.Link = ""
		if a.Path == "" || name == "" {
			return
		}
		if a.Path != dflt {
			a.Link = a.Path
		}
		p := x(a.Path)
		bad := func(format string, args ...any) { ps.add(where, name, format, args...) }
		if msg := absPathProblem(p); msg != "" {
			bad("path %q: %s", a.Path, msg)
			return
		}
		if p == "/" || inNixStore(p) {
			bad("path %q: must not be / or in the Nix store", a.Path)
			return
		}
		if rootsOK {
			for _, r := range roots {
				switch {
				case within(r.path, p):
					bad("path %q would replace %s %q", a.Path, r.field, r.path)
					return
				case r.mount && within(p, r.path):
					bad("path %q is inside %s %q, which hush manages", a.Path, r.field, r.path)
					return
				case !r.mount && within(p, r.path) && a.Link != "":
					bad("path %q is inside %s %q but is not this entry's own place there (%q); use a path outside it, or leave path unset", a.Path, r.field, r.path, dflt)
					return
				}
			}
		}
		if prev, dup := targets[p]; dup {
			bad("path %q is also the target of %s", a.Path, prev.where)
			return
		}
		targets[p] = target{where, name}
		all = append(all, p)
	}
	for i := range m.Secrets {
		s := &m.Secrets[i]
		check(entryWhere("secrets", i, s.Name), s.Name, &s.FileAttrs, m.defaultSecretPath(s))
	}
	for i := range m.Templates {
		t := &m.Templates[i]
		check(entryWhere("templates", i, t.Name), t.Name, &t.FileAttrs, m.defaultTemplatePath(t))
	}
	// A target that is a directory of another target cannot be a file as well.
	for _, p := range all {
		for dir := path.Dir(p); dir != "/" && dir != "."; dir = path.Dir(dir) {
			if o, ok := targets[dir]; ok {
				t := targets[p]
				ps.add(t.where, t.name, "path %q needs %q to be a directory, but it is the target of %s", p, dir, o.where)
				break
			}
		}
	}
}

// defaultSecretPath is where a secret is visible without an extra symlink.
func (m *Manifest) defaultSecretPath(s *Secret) string {
	if s.Phase == PhaseUsers {
		return joinName(m.UsersSymlink, s.Name)
	}
	return joinName(m.Symlink, s.Name)
}

// defaultTemplatePath is where a rendered template is visible without an extra symlink.
func (m *Manifest) defaultTemplatePath(t *Template) string {
	return joinName(path.Join(m.Symlink, RenderedSubdir), t.Name)
}
