package manifest

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// resolve applies the defaults and checks everything that does not depend on the host.
// It runs on both formats after decoding; origin-specific rules are marked.
func (m *Manifest) resolve(ps *problems) {
	hush := m.Origin == OriginHush
	if m.MountPoint == "" {
		m.MountPoint = DefaultMountPoint
	}
	if m.Symlink == "" {
		m.Symlink = DefaultSymlink
	}
	if m.UsersMountPoint == "" {
		m.UsersMountPoint = DefaultUsersMountPoint
	}
	if m.UsersSymlink == "" {
		m.UsersSymlink = DefaultUsersSymlink
	}
	switch m.FailurePolicy {
	case "":
		m.FailurePolicy = KeepGoing
	case KeepGoing, Strict:
	default:
		ps.add(loc{}, "", "field \"failurePolicy\": %q is not one of \"keep-going\", \"strict\"", m.FailurePolicy)
	}
	if m.Logging == nil {
		m.Logging = &Logging{KeyImport: true, SecretChanges: true}
	}
	m.checkIdentities(ps)
	for i, r := range m.HostRecipients {
		if !strings.HasPrefix(r, "age1") && !strings.HasPrefix(r, "ssh-") {
			ps.add(loc{}, "", "hostRecipients[%d]: %q is not an age (age1...) or SSH (ssh-...) recipient", i, r)
		}
	}

	for i := range m.Secrets {
		m.resolveSecret(i, ps)
	}
	m.checkNames(ps)
	m.checkSources(ps)
	if hush {
		m.checkPlaceholders(ps)
	}
	if len(m.Templates) > 0 {
		// Without templates nothing needs it yet; Renderer builds it on first use.
		m.buildRenderer(ps)
	}
	for i := range m.Templates {
		m.resolveTemplate(i, ps)
	}
	rundir := ""
	if m.UserMode {
		rundir = checkRuntimeDir
	}
	m.checkTargets(ps, rundir)
}

func (m *Manifest) checkIdentities(ps *problems) {
	id := &m.Identities
	check := func(field, p string, private bool) {
		if m.UserMode {
			p = expandRuntimeDir(p, checkRuntimeDir)
		}
		if msg := absPathProblem(p); msg != "" {
			ps.add(loc{label: "identities"}, "", "%s %q: %s", field, p, msg)
		} else if private && m.Origin == OriginHush && inNixStore(p) {
			ps.add(loc{label: "identities"}, "", "%s %q: a private key in the Nix store is readable by every user", field, p)
		}
	}
	if id.AgeKeyFile != "" {
		check("ageKeyFile", id.AgeKeyFile, true)
	}
	if id.GnupgHome != "" {
		check("gnupgHome", id.GnupgHome, true)
	}
	for _, p := range id.SSHKeyPaths {
		check("sshKeyPaths", p, true)
	}
	for _, p := range id.GnupgSSHKeyPaths {
		check("gnupgSshKeyPaths", p, true)
	}
	for _, p := range id.Plugins {
		check("plugins", p, false)
	}
}

func (m *Manifest) resolveSecret(i int, ps *problems) {
	s := &m.Secrets[i]
	where := entryWhere("secrets", i, s.Name)
	bad := func(format string, args ...any) { ps.add(where, s.Name, format, args...) }
	if msg := nameProblem(s.Name); msg != "" && s.Name != "" {
		bad("%s", msg)
	}
	switch s.Phase {
	case "":
		s.Phase = PhaseSystem
	case PhaseSystem, PhaseUsers:
	default:
		bad("field \"phase\": %q is not one of \"system\", \"users\"", s.Phase)
	}
	m.resolveAttrs(&s.FileAttrs, where, s.Name, bad)
	if s.Phase == PhaseUsers && m.Origin == OriginHush {
		if !isRoot(s.Owner, s.UID, "root") || !isRoot(s.Group, s.GID, "root") {
			bad("phase \"users\" secrets are installed before users exist: they must be owned by root (owner/uid and group/gid unset or root)")
		}
	}
	switch src := s.Source; {
	case src.Sops != nil:
		ss := src.Sops
		if msg := absPathProblem(ss.File); msg != "" && ss.File != "" {
			bad("source file %q: %s", ss.File, msg)
		}
		switch ss.Format {
		case FormatYAML, FormatJSON, FormatDotenv, FormatINI, FormatBinary:
		default:
			bad("format %q is not one of yaml, json, dotenv, ini, binary", ss.Format)
		}
		kp, err := ParseKey(ss.Key)
		switch {
		case err != nil:
			bad("%v", err)
		case ss.Format == FormatBinary && kp != nil:
			bad("key %q: a binary file has no keys (use \"\")", ss.Key)
		case ss.Format == FormatDotenv && len(kp) > 1:
			bad("key %q: a dotenv file is flat: give one variable name, or \"\"", ss.Key)
		case ss.Format == FormatINI && len(kp) > 2:
			bad("key %q: an ini file has sections and keys: give \"section/key\", \"section\", or \"\"", ss.Key)
		}
	case src.Age != nil:
		if msg := absPathProblem(src.Age.File); msg != "" && src.Age.File != "" {
			bad("source file %q: %s", src.Age.File, msg)
		}
	case src.File != nil:
		p := src.File.Path
		if msg := absPathProblem(p); msg != "" && p != "" {
			bad("source path %q: %s", p, msg)
		} else if inNixStore(p) {
			bad("source path %q: a plain file in the Nix store is readable by every user; encrypt it (sops or age)", p)
		}
	}
	dflt := m.Symlink
	if s.Phase == PhaseUsers {
		dflt = m.UsersSymlink
	}
	if s.Path == "" {
		s.Path = joinName(dflt, s.Name)
	}
}

func (m *Manifest) resolveTemplate(i int, ps *problems) {
	t := &m.Templates[i]
	where := entryWhere("templates", i, t.Name)
	bad := func(format string, args ...any) { ps.add(where, t.Name, format, args...) }
	if msg := nameProblem(t.Name); msg != "" && t.Name != "" {
		bad("%s", msg)
	}
	m.resolveAttrs(&t.FileAttrs, where, t.Name, bad)
	if t.Path == "" {
		t.Path = joinName(path.Join(m.Symlink, RenderedSubdir), t.Name)
	}
	if t.File != "" {
		if msg := absPathProblem(t.File); msg != "" {
			bad("field \"file\" %q: %s", t.File, msg)
		}
		return
	}
	if m.renderer == nil {
		return
	}
	names, err := m.renderer.Names([]byte(t.Content))
	if err != nil {
		bad("content: %v", err)
		return
	}
	t.Refs = names
	m.checkRefs(t, names, bad)
}

// checkRefs reports template references to secrets that are absent or installed in the
// users phase (a different tree, installed at a different time).
func (m *Manifest) checkRefs(t *Template, names []string, bad func(string, ...any)) {
	for _, n := range names {
		s := m.secret(n)
		switch {
		case s == nil:
			bad("references unknown secret %q", n)
		case s.Phase == PhaseUsers && m.Origin == OriginHush:
			bad("references secret %q of phase \"users\"; templates are rendered in phase \"system\"", n)
		}
	}
}

// secret returns the secret named n, or nil.
func (m *Manifest) secret(n string) *Secret {
	if m.byName == nil {
		m.byName = make(map[string]int, len(m.Secrets))
		for i := range m.Secrets {
			if _, dup := m.byName[m.Secrets[i].Name]; !dup {
				m.byName[m.Secrets[i].Name] = i
			}
		}
	}
	if i, ok := m.byName[n]; ok {
		return &m.Secrets[i]
	}
	return nil
}

// formatFromPath is sops' rule: .yaml/.yml, .json, .env, .ini; anything else is binary.
func formatFromPath(p string) Format {
	switch strings.ToLower(path.Ext(p)) {
	case ".yaml", ".yml":
		return FormatYAML
	case ".json":
		return FormatJSON
	case ".env":
		return FormatDotenv
	case ".ini":
		return FormatINI
	}
	return FormatBinary
}

// joinName is dir/name for a validated name (which may contain '/').
func joinName(dir, name string) string {
	if name == "" {
		return ""
	}
	return strings.TrimSuffix(dir, "/") + "/" + name
}

func isRoot(name string, id *int, root string) bool {
	return (name == "" || name == root) && (id == nil || *id == 0)
}

// resolveAttrs checks and normalises the attributes shared by secrets and templates.
func (m *Manifest) resolveAttrs(a *FileAttrs, where loc, name string, bad func(string, ...any)) {
	hush := m.Origin == OriginHush
	if a.Mode == "" {
		a.Mode = DefaultMode
	} else if norm, err := normaliseMode(a.Mode); err != nil {
		bad("mode %q: %v", a.Mode, err)
	} else {
		a.Mode = norm
	}
	for _, acct := range []struct {
		field string
		name  *string
		id    **int
	}{{"owner", &a.Owner, &a.UID}, {"group", &a.Group, &a.GID}} {
		n := *acct.name
		if n == "" {
			continue
		}
		if hush && isDigits(n) {
			// A numeric name is an id: systemd and shadow refuse all-digit names anyway.
			v, err := strconv.ParseUint(n, 10, 32)
			if err != nil || v > maxID {
				bad("%s %q: numeric id out of range", acct.field, n)
				continue
			}
			id := int(v)
			*acct.id, *acct.name = &id, ""
			continue
		}
		if msg := accountNameProblem(n); msg != "" {
			bad("%s %q: %s", acct.field, n, msg)
		}
	}
	if hush && m.UserMode && (a.Owner != "" || a.UID != nil || a.Group != "" || a.GID != nil) {
		bad("owner, uid, group and gid cannot be set in userMode (files belong to the user running hush)")
	}
	for _, units := range []struct {
		field string
		list  []string
	}{{"restartUnits", a.RestartUnits}, {"reloadUnits", a.ReloadUnits}} {
		for _, u := range units.list {
			if msg := unitProblem(u); msg != "" {
				bad("%s: %q: %s", units.field, u, msg)
			}
		}
	}
}

// normaliseMode parses an octal permission string ("400", "0400", "0o400") into "0400".
func normaliseMode(s string) (string, error) {
	digits := strings.TrimPrefix(s, "0o")
	if digits == "" || len(digits) > 4 {
		return "", fmt.Errorf("want 3 or 4 octal digits, e.g. \"0400\"")
	}
	for _, c := range digits {
		if c < '0' || c > '7' {
			return "", fmt.Errorf("want octal digits 0-7, e.g. \"0400\"")
		}
	}
	v, _ := strconv.ParseUint(digits, 8, 32)
	if v > 0o777 {
		return "", fmt.Errorf("setuid, setgid and sticky bits are not allowed on secrets")
	}
	return fmt.Sprintf("%04o", v), nil
}

// Perm returns the resolved mode's permission bits (Mode is always valid after Parse).
func (a *FileAttrs) Perm() uint32 {
	v, err := strconv.ParseUint(strings.TrimPrefix(a.Mode, "0o"), 8, 32)
	if err != nil || v > 0o777 {
		return 0o400
	}
	return uint32(v)
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func accountNameProblem(n string) string {
	if len(n) > 256 {
		return "longer than 256 bytes"
	}
	for _, c := range n {
		if c <= ' ' || c == 0x7f || c == ':' || c == '/' || c == ',' {
			return "not a valid user or group name"
		}
	}
	return ""
}

func unitProblem(u string) string {
	if u == "" {
		return "empty unit name"
	}
	if len(u) > 256 {
		return "longer than 256 bytes"
	}
	for _, c := range u {
		if c <= ' ' || c == 0x7f || c == '/' {
			return "not a valid systemd unit name"
		}
	}
	return ""
}
