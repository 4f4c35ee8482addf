package manifest

import (
	"path"
	"strings"
)

// checkNames reports duplicate names, names that would be both a file and a directory, and
// names the engine reserves.
func (m *Manifest) checkNames(ps *problems) {
	type owner struct {
		where loc
		name  string
	}
	check := func(list string, names []string) {
		seen := make(map[string]owner, len(names))
		for i, n := range names {
			if n == "" {
				continue
			}
			w := entryWhere(list, i, n)
			if prev, dup := seen[n]; dup {
				ps.add(w, n, "duplicate name (also %s)", prev.where)
				continue
			}
			seen[n] = owner{w, n}
		}
		for _, n := range names { // manifest order: messages come out in a stable order
			if _, ok := seen[n]; !ok || !strings.Contains(n, "/") {
				continue
			}
			for dir := path.Dir(n); dir != "." && dir != "/"; dir = path.Dir(dir) {
				if o, ok := seen[dir]; ok {
					ps.add(seen[n].where, n, "name needs %q to be a directory, but %s is a file", dir, o.where)
					break
				}
			}
		}
	}
	var sn, tn []string
	for i, s := range m.Secrets {
		sn = append(sn, s.Name)
		first, _, _ := strings.Cut(s.Name, "/")
		switch {
		case first == metaDirName:
			ps.add(entryWhere("secrets", i, s.Name), s.Name, "name %q is reserved for hush's own records", metaDirName)
		case first == RenderedSubdir && len(m.Templates) > 0:
			ps.add(entryWhere("secrets", i, s.Name), s.Name, "name %q is where templates are rendered", RenderedSubdir)
		}
	}
	for _, t := range m.Templates {
		tn = append(tn, t.Name)
	}
	check("secrets", sn)
	check("templates", tn)
}

// metaDirName is the generation's directory the engine keeps its records in.
const metaDirName = ".hush"

// checkSources reports one source file used in two ways (the engine decrypts each file once,
// in one format).
func (m *Manifest) checkSources(ps *problems) {
	type use struct {
		how   string
		where loc
	}
	seen := make(map[string]use, len(m.Secrets)/4)
	for i, s := range m.Secrets {
		var file, how string
		switch {
		case s.Source.Sops != nil:
			file, how = s.Source.Sops.File, "sops "+string(s.Source.Sops.Format)
		case s.Source.Age != nil:
			file, how = s.Source.Age.File, "age"
		case s.Source.File != nil:
			file, how = s.Source.File.Path, "file"
		default:
			continue
		}
		w := entryWhere("secrets", i, s.Name)
		if prev, ok := seen[file]; ok && prev.how != how {
			ps.add(w, s.Name, "%s is read as %s here but as %s by %s", file, how, prev.how, prev.where)
			continue
		}
		if _, ok := seen[file]; !ok {
			seen[file] = use{how, w}
		}
	}
}
