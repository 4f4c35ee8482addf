package manifest

import (
	"math"
	"strings"
)

// Reader of sops-nix's manifest.json (what modules/sops/manifest-for.nix writes and
// pkgs/sops-install-secrets reads), converted into a *Manifest with sops-nix's semantics:
//
//   - format "" means yaml; for binary, dotenv and ini the key is ignored (whole file).
//   - owner/group null and uid/gid 0 (or null) mean root / gid 0; a name wins over an id.
//   - phase "users" (neededForUsers) entries may name an owner: sops-nix installs them with
//     -ignore-passwd, as root, and so does hush.
//   - keepGenerations absent means 0 (no pruning: Go's zero value in sops-install-secrets).
//   - templates use only placeholderBySecretName; content wins over file when non-empty.
//   - gnupgHome excludes sshKeyPaths and ageKeyFile (sops-install-secrets refuses both).
//   - the manifest is one tree: the users roots equal secretsMountPoint and symlinkPath.
//
// Fields sops-install-secrets ignores but the module writes (sopsFileHash, neededForUsers)
// are accepted; anything else is an error, caught at build time by the manifest check.

var sopsNixTopFields = []string{
	"secrets", "templates", "placeholderBySecretName", "secretsMountPoint", "symlinkPath",
	"keepGenerations", "sshKeyPaths", "gnupgHome", "ageKeyFile", "ageSshKeyPaths", "useTmpfs",
	"userMode", "logging",
}

var (
	sopsNixSecretFields = []string{
		"name", "key", "path", "owner", "uid", "group", "gid", "sopsFile", "sopsFileHash",
		"format", "mode", "restartUnits", "reloadUnits", "neededForUsers",
	}
	sopsNixTemplateFields = []string{
		"name", "content", "path", "mode", "owner", "uid", "group", "gid", "file",
		"restartUnits", "reloadUnits",
	}
)

// sopsNixMarkers are top-level fields only sops-nix's format has.
var sopsNixMarkers = []string{"secretsMountPoint", "symlinkPath", "placeholderBySecretName", "ageSshKeyPaths"}

// looksLikeSopsNix says whether a top-level object without "version" is a sops-nix manifest.
func looksLikeSopsNix(top *object) bool {
	for _, k := range sopsNixMarkers {
		if top.has(k) {
			return true
		}
	}
	raw, ok := top.get("secrets")
	if !ok || raw.kind != kArray || len(raw.vals) == 0 {
		return false
	}
	return raw.vals[0].kind == kObject && raw.vals[0].has("sopsFile")
}

func readSopsNix(top *object, ps *problems) *Manifest {
	r := reader{ps: ps}
	m := &Manifest{Version: Version, Origin: OriginSopsNix}
	r.checkKnown(top, sopsNixTopFields, "")

	m.MountPoint, _ = r.str(top, "secretsMountPoint")
	m.Symlink, _ = r.str(top, "symlinkPath")
	if m.MountPoint == "" {
		m.MountPoint = DefaultMountPoint
	}
	if m.Symlink == "" {
		m.Symlink = DefaultSymlink
	}
	m.UsersMountPoint, m.UsersSymlink = m.MountPoint, m.Symlink
	m.KeepGenerations, _ = r.integer(top, "keepGenerations", math.MaxInt32, true)
	m.UseTmpfs, _ = r.boolean(top, "useTmpfs")
	m.UserMode, _ = r.boolean(top, "userMode")
	m.FailurePolicy = KeepGoing

	m.Identities.GnupgSSHKeyPaths, _ = r.strList(top, "sshKeyPaths", true)
	m.Identities.GnupgHome, _ = r.nullableStr(top, "gnupgHome")
	m.Identities.AgeKeyFile, _ = r.nullableStr(top, "ageKeyFile")
	m.Identities.SSHKeyPaths, _ = r.strList(top, "ageSshKeyPaths", true)
	if m.Identities.GnupgHome != "" {
		if len(m.Identities.GnupgSSHKeyPaths) > 0 {
			r.bad("gnupgHome and sshKeyPaths were both specified; they are mutually exclusive")
		}
		if m.Identities.AgeKeyFile != "" {
			r.bad("gnupgHome and ageKeyFile were both specified; they are mutually exclusive")
		}
	}

	// sops-install-secrets reads logging into a struct of two bools: absent means off.
	m.Logging = &Logging{}
	if raw, ok := top.get("logging"); ok && raw.kind != kNull {
		if o, ok := r.obj(top, "logging"); ok {
			lr := reader{ps: ps, where: loc{label: "logging"}}
			lr.checkKnown(o, hushLoggingFields, "")
			m.Logging.KeyImport, _ = lr.boolean(o, "keyImport")
			m.Logging.SecretChanges, _ = lr.boolean(o, "secretChanges")
		}
	}

	if elems, ok := r.list(top, "secrets", true); ok {
		m.Secrets = make([]Secret, 0, len(elems))
		for i, raw := range elems {
			m.Secrets = append(m.Secrets, readSopsNixSecret(raw, i, ps))
		}
	}
	if elems, ok := r.list(top, "templates", true); ok {
		m.Templates = make([]Template, 0, len(elems))
		for i, raw := range elems {
			m.Templates = append(m.Templates, readSopsNixTemplate(raw, i, ps))
		}
	}

	byName, _ := r.stringMap(top, "placeholderBySecretName", true)
	if len(m.Templates) > 0 {
		// sops-install-secrets requires a placeholder for every secret once there are
		// templates; entries for secrets of the other manifest (neededForUsers) are unused.
		m.Placeholders = map[string]string{}
		for i, s := range m.Secrets {
			p, ok := byName[s.Name]
			if !ok {
				ps.add(entryWhere("secrets", i, s.Name), s.Name, "no placeholder for this secret in placeholderBySecretName")
				continue
			}
			m.Placeholders[s.Name] = p
		}
	}
	return m
}

func readSopsNixSecret(raw *value, i int, ps *problems) Secret {
	var s Secret
	o, r, ok := entryReader(raw, "secrets", i, ps)
	if !ok {
		return s
	}
	r.checkKnown(o, sopsNixSecretFields, "")
	s.Name = r.name
	s.FileAttrs = readSopsNixAttrs(o, r)
	ss := &SopsSource{}
	ss.File, _ = r.str(o, "sopsFile")
	if ss.File == "" {
		r.bad("missing field \"sopsFile\"")
	}
	ss.Key, _ = r.str(o, "key")
	f, _ := r.str(o, "format")
	ss.Format = Format(f)
	if ss.Format == "" {
		ss.Format = FormatYAML
	}
	switch ss.Format {
	case FormatBinary, FormatDotenv, FormatINI:
		ss.Key = "" // sops-install-secrets installs the whole file for these
	default:
		k, ok := sopsNixKey(ss.Key)
		if !ok {
			r.bad("field \"key\": %q cannot be expressed as a hush key path", ss.Key)
		}
		ss.Key = k
	}
	r.str(o, "sopsFileHash")
	s.Source.Sops = ss
	s.Phase = PhaseSystem
	if b, _ := r.boolean(o, "neededForUsers"); b {
		s.Phase = PhaseUsers
		// sops-nix installs these before users exist, with -ignore-passwd: as root:0.
		s.Owner, s.UID, s.Group, s.GID = "", nil, "", nil
	}
	return s
}

func readSopsNixTemplate(raw *value, i int, ps *problems) Template {
	var t Template
	o, r, ok := entryReader(raw, "templates", i, ps)
	if !ok {
		return t
	}
	r.checkKnown(o, sopsNixTemplateFields, "")
	t.Name = r.name
	t.FileAttrs = readSopsNixAttrs(o, r)
	t.Content, _ = r.str(o, "content")
	t.File, _ = r.str(o, "file")
	if t.Content != "" {
		t.File = "" // sops-install-secrets ignores file when content is non-empty
	} else if t.File == "" {
		r.bad("neither content nor file was specified for the template")
	}
	return t
}

// readSopsNixAttrs reads sops-nix's owner/uid/group/gid/mode/units with its rules.
func readSopsNixAttrs(o *object, r reader) FileAttrs {
	var a FileAttrs
	a.Path, _ = r.str(o, "path")
	owner, hasOwner := r.nullableStr(o, "owner")
	uid, _ := r.integer(o, "uid", maxID, true)
	group, hasGroup := r.nullableStr(o, "group")
	gid, _ := r.integer(o, "gid", maxID, true)
	// As sops-install-secrets: a name wins and the id is then ignored (the module asserts
	// that not both are set, but only with validateSopsFiles).
	if hasOwner {
		a.Owner = owner
	} else if uid != 0 {
		a.UID = &uid
	}
	if hasGroup {
		a.Group = group
	} else if gid != 0 {
		a.GID = &gid
	}
	if hasOwner && owner == "" {
		r.bad("field \"owner\": empty user name")
	}
	if hasGroup && group == "" {
		r.bad("field \"group\": empty group name")
	}
	if m, ok := r.str(o, "mode"); ok {
		a.Mode = m
		if m == "" {
			r.bad("field \"mode\": empty (sops-nix's default is \"0400\")")
		}
	}
	a.RestartUnits, _ = r.strList(o, "restartUnits", true)
	a.ReloadUnits, _ = r.strList(o, "reloadUnits", true)
	return a
}

// sopsNixKey rewrites a sops-nix key ("a/b": nested maps by name, components taken
// literally) into hush's syntax: unchanged when hush reads it the same way, else the
// bracket form (empty components, a leading '['). ok is false when no form can hold it.
func sopsNixKey(k string) (string, bool) {
	if k == "" {
		return "", true
	}
	parts := strings.Split(k, "/")
	p := make([]any, len(parts))
	for i, c := range parts {
		p[i] = c
	}
	return FormatKey(p)
}
