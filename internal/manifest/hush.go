package manifest

import "math"

// Reader of hush's own manifest v1. Every member is checked against the known names, so a
// typo is an error naming the entry and the field, never a silently ignored setting.

var hushTopFields = []string{
	"version", "secrets", "templates", "identities", "mountPoint", "symlink",
	"usersMountPoint", "usersSymlink", "keepGenerations", "useTmpfs", "failurePolicy",
	"userMode", "hostRecipients", "placeholders", "logging",
}

var (
	hushSecretFields   = []string{"name", "source", "path", "owner", "uid", "group", "gid", "mode", "restartUnits", "reloadUnits", "phase"}
	hushTemplateFields = []string{"name", "content", "file", "path", "owner", "uid", "group", "gid", "mode", "restartUnits", "reloadUnits"}
	hushSourceKinds    = []string{"sops", "age", "file"}
	hushIdentityFields = []string{"ageKeyFile", "sshKeyPaths", "gnupgHome", "gnupgSshKeyPaths", "plugins"}
	hushLoggingFields  = []string{"keyImport", "secretChanges"}
)

// maxID is the largest uid/gid (2^32-2; 2^32-1 is (uid_t)-1, "no change").
const maxID = math.MaxUint32 - 1

func readHush(top *object, ps *problems) *Manifest {
	r := reader{ps: ps}
	m := &Manifest{Origin: OriginHush}
	r.checkKnown(top, hushTopFields, "")

	if v, ok := r.integer(top, "version", math.MaxInt32, false); ok {
		m.Version = v
	}
	if m.Version != Version {
		if v, ok := top.get("version"); ok && v.kind == kNumber {
			r.bad("unsupported manifest version %s (this hush reads version %d)", v.str, Version)
		}
		return m
	}

	m.MountPoint, _ = r.nonEmptyStr(top, "mountPoint")
	m.Symlink, _ = r.nonEmptyStr(top, "symlink")
	m.UsersMountPoint, _ = r.nonEmptyStr(top, "usersMountPoint")
	m.UsersSymlink, _ = r.nonEmptyStr(top, "usersSymlink")
	m.KeepGenerations = DefaultKeepGenerations
	if n, ok := r.integer(top, "keepGenerations", math.MaxInt32, false); ok {
		m.KeepGenerations = n
	}
	m.UseTmpfs, _ = r.boolean(top, "useTmpfs")
	m.UserMode, _ = r.boolean(top, "userMode")
	if s, ok := r.str(top, "failurePolicy"); ok {
		m.FailurePolicy = FailurePolicy(s)
	}
	m.HostRecipients, _ = r.strList(top, "hostRecipients", false)
	m.Placeholders, _ = r.stringMap(top, "placeholders", false)

	if o, ok := r.obj(top, "identities"); ok {
		ir := reader{ps: ps, where: loc{label: "identities"}}
		ir.checkKnown(o, hushIdentityFields, "")
		m.Identities.AgeKeyFile, _ = ir.nonEmptyStr(o, "ageKeyFile")
		m.Identities.SSHKeyPaths, _ = ir.strList(o, "sshKeyPaths", false)
		m.Identities.GnupgHome, _ = ir.nonEmptyStr(o, "gnupgHome")
		m.Identities.GnupgSSHKeyPaths, _ = ir.strList(o, "gnupgSshKeyPaths", false)
		m.Identities.Plugins, _ = ir.strList(o, "plugins", false)
	}
	m.Logging = &Logging{KeyImport: true, SecretChanges: true}
	if o, ok := r.obj(top, "logging"); ok {
		lr := reader{ps: ps, where: loc{label: "logging"}}
		lr.checkKnown(o, hushLoggingFields, "")
		if b, ok := lr.boolean(o, "keyImport"); ok {
			m.Logging.KeyImport = b
		}
		if b, ok := lr.boolean(o, "secretChanges"); ok {
			m.Logging.SecretChanges = b
		}
	}

	if elems, ok := r.list(top, "secrets", false); ok {
		m.Secrets = make([]Secret, 0, len(elems))
		for i, raw := range elems {
			m.Secrets = append(m.Secrets, readHushSecret(raw, i, ps))
		}
	}
	if elems, ok := r.list(top, "templates", false); ok {
		m.Templates = make([]Template, 0, len(elems))
		for i, raw := range elems {
			m.Templates = append(m.Templates, readHushTemplate(raw, i, ps))
		}
	}
	return m
}

// entryReader parses one list entry and returns a reader whose messages name it.
func entryReader(o *value, list string, i int, ps *problems) (*object, reader, bool) {
	r := reader{ps: ps, where: entryWhere(list, i, "")}
	if o.kind != kObject {
		r.bad("expected an object, got %s", kindOf(o))
		return nil, r, false
	}
	name, ok := r.str(o, "name")
	switch {
	case !o.has("name"):
		r.bad("missing field \"name\"")
	case ok && name == "":
		r.bad("empty name")
	case ok:
		r.name = name
		r.where = entryWhere(list, i, name)
	}
	return o, r, true
}

func readHushSecret(raw *value, i int, ps *problems) Secret {
	var s Secret
	o, r, ok := entryReader(raw, "secrets", i, ps)
	if !ok {
		return s
	}
	r.checkKnown(o, hushSecretFields, "")
	s.Name = r.name
	s.FileAttrs = readHushAttrs(o, r)
	if p, ok := r.str(o, "phase"); ok {
		s.Phase = Phase(p)
		if s.Phase == "" {
			r.bad("field \"phase\": empty (want \"system\" or \"users\")")
		}
	}
	src, ok := r.obj(o, "source")
	if !ok {
		if !o.has("source") {
			r.bad("missing field \"source\" (one of: sops, age, file)")
		}
		return s
	}
	r.checkKnown(src, hushSourceKinds, "source.")
	n := 0
	for _, k := range src.keys {
		for _, kind := range hushSourceKinds {
			if k == kind {
				n++
			}
		}
	}
	if n != 1 {
		r.bad("field \"source\": exactly one of sops, age, file must be given, got %d", n)
	}
	if so, ok := r.obj(src, "sops"); ok {
		sr := reader{ps: ps, where: r.where, name: r.name}
		sr.checkKnown(so, []string{"file", "key", "format"}, "source.sops.")
		ss := &SopsSource{}
		ss.File, _ = sr.nonEmptyStr(so, "file")
		if !so.has("file") {
			sr.bad("missing field \"source.sops.file\"")
		}
		var hasKey bool
		ss.Key, hasKey = sr.str(so, "key")
		if f, ok := sr.str(so, "format"); ok {
			ss.Format = Format(f)
			if f == "" {
				sr.bad("field \"source.sops.format\": empty")
			}
		} else if !so.has("format") {
			ss.Format = formatFromPath(ss.File)
		}
		if !hasKey && !so.has("key") && ss.Format != FormatBinary {
			sr.bad("missing field \"source.sops.key\" (\"a/b\" or [\"a\"][\"b\"] for a value, \"\" for the whole file)")
		}
		s.Source.Sops = ss
	}
	if ao, ok := r.obj(src, "age"); ok {
		ar := reader{ps: ps, where: r.where, name: r.name}
		ar.checkKnown(ao, []string{"file"}, "source.age.")
		as := &AgeSource{}
		as.File, _ = ar.nonEmptyStr(ao, "file")
		if !ao.has("file") {
			ar.bad("missing field \"source.age.file\"")
		}
		s.Source.Age = as
	}
	if fo, ok := r.obj(src, "file"); ok {
		fr := reader{ps: ps, where: r.where, name: r.name}
		fr.checkKnown(fo, []string{"path"}, "source.file.")
		fs := &FileSource{}
		fs.Path, _ = fr.nonEmptyStr(fo, "path")
		if !fo.has("path") {
			fr.bad("missing field \"source.file.path\"")
		}
		s.Source.File = fs
	}
	return s
}

func readHushTemplate(raw *value, i int, ps *problems) Template {
	var t Template
	o, r, ok := entryReader(raw, "templates", i, ps)
	if !ok {
		return t
	}
	r.checkKnown(o, hushTemplateFields, "")
	t.Name = r.name
	t.FileAttrs = readHushAttrs(o, r)
	t.Content, _ = r.str(o, "content")
	t.File, _ = r.nonEmptyStr(o, "file")
	if o.has("content") == o.has("file") {
		r.bad("exactly one of \"content\" and \"file\" must be given")
	}
	return t
}

// readHushAttrs reads the file attributes common to secrets and templates.
func readHushAttrs(o *object, r reader) FileAttrs {
	var a FileAttrs
	a.Path, _ = r.nonEmptyStr(o, "path")
	a.Owner, _ = r.str(o, "owner")
	if o.has("owner") && a.Owner == "" && isString(o, "owner") {
		r.bad("field \"owner\": empty (leave it out for root)")
	}
	if n, ok := r.integer(o, "uid", maxID, false); ok {
		a.UID = &n
	}
	a.Group, _ = r.str(o, "group")
	if o.has("group") && a.Group == "" && isString(o, "group") {
		r.bad("field \"group\": empty (leave it out for gid 0)")
	}
	if n, ok := r.integer(o, "gid", maxID, false); ok {
		a.GID = &n
	}
	if o.has("owner") && o.has("uid") {
		r.bad("both \"owner\" and \"uid\" are set; give one")
	}
	if o.has("group") && o.has("gid") {
		r.bad("both \"group\" and \"gid\" are set; give one")
	}
	if m, ok := r.str(o, "mode"); ok {
		a.Mode = m
		if m == "" {
			r.bad("field \"mode\": empty (e.g. \"0400\")")
		}
	}
	a.RestartUnits, _ = r.strList(o, "restartUnits", false)
	a.ReloadUnits, _ = r.strList(o, "reloadUnits", false)
	return a
}

// isString says whether o has member field and it is a string.
func isString(o *object, field string) bool {
	v, ok := o.get(field)
	return ok && v.kind == kString
}
