package install

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// plan is a run's worklist: every entry with its resolved owner, its source file, and
// after decryption its bytes and state.
type plan struct {
	cfg     *Config
	keysGID int
	files   []*sourceFile
	entries []*entry // secrets first, then templates
	byName  map[string]*entry
}

type entry struct {
	name     string
	rel      string // path inside the generation
	template bool
	sec      *Secret
	tpl      *Template
	attrs    Attrs
	uid, gid int
	link     string // custom symlink path, "" for none
	src      *sourceFile
	ckey     string
	carry    bool // bytes come from the previous generation, not decryption
	// shared: the previous generation's file is hard-linked, not copied (see linkable).
	shared  bool
	value   []byte
	state   State
	reason  string
	err     error
	added   bool
	changed bool
	// unresolved: the owner or group could not be resolved (uid/gid are not meaningful).
	unresolved bool
}

func (e *Engine) plan(cfg *Config, acc Accounts) (*plan, error) {
	p := &plan{cfg: cfg, byName: map[string]*entry{}}
	switch {
	case cfg.UserMode:
		p.keysGID = os.Getgid()
	case e.IgnorePasswd:
		p.keysGID = 0
	default:
		gid, err := acc.KeysGroup()
		if err != nil {
			return nil, err
		}
		p.keysGID = gid
	}
	files := map[string]*sourceFile{}
	for i := range cfg.Secrets {
		s := &cfg.Secrets[i]
		en := &entry{name: s.Name, rel: s.Name, sec: s, attrs: s.Attrs}
		f := files[s.File]
		if f == nil {
			f = &sourceFile{path: s.File, kind: s.Kind, format: s.Format}
			files[s.File] = f
			p.files = append(p.files, f)
		} else if f.kind != s.Kind || f.format != s.Format {
			return nil, fmt.Errorf("secret %s: %s is used as %s/%s here and as %s/%s by another secret", s.Name, s.File, s.Kind, s.Format, f.kind, f.format)
		}
		en.src = f
		p.add(e, en, acc)
	}
	for i := range cfg.Templates {
		t := &cfg.Templates[i]
		en := &entry{name: t.Name, rel: RenderedDir + "/" + t.Name, template: true, tpl: t, attrs: t.Attrs}
		p.add(e, en, acc)
	}
	return p, nil
}

func (p *plan) add(e *Engine, en *entry, acc Accounts) {
	def := filepath.Join(p.cfg.Symlink, en.rel)
	if en.attrs.Path != "" && filepath.Clean(en.attrs.Path) != def {
		en.link = filepath.Clean(en.attrs.Path)
	}
	switch {
	case p.cfg.UserMode:
		en.uid, en.gid = os.Getuid(), os.Getgid()
	case e.IgnorePasswd:
		en.uid, en.gid = 0, 0
	default:
		var err error
		if en.uid, err = resolveOwner(en.attrs.Owner, acc.UserID); err != nil {
			en.fail(fmt.Errorf("owner: %w", err))
			en.unresolved = true
		} else if en.gid, err = resolveOwner(en.attrs.Group, acc.GroupID); err != nil {
			en.fail(fmt.Errorf("group: %w", err))
			en.unresolved = true
		}
	}
	p.entries = append(p.entries, en)
	p.byName[en.rel] = en
}

func (en *entry) fail(err error) {
	if en.err == nil {
		en.err = err
	}
}

func (en *entry) what() string {
	if en.template {
		return "template " + en.name
	}
	return "secret " + en.name
}

// inputDigest covers everything that decides the generation's contents: the resolved
// entries, the ciphertext digests, the identities' public parts and the options.
func (p *plan) inputDigest(identities []string, e *Engine) string {
	d := newDigester("hush install input v1")
	d.str(p.cfg.MountPoint)
	d.str(p.cfg.Symlink)
	d.flag(p.cfg.UserMode)
	d.flag(e.IgnorePasswd)
	d.num(p.keysGID)
	d.num(p.cfg.KeepGenerations)
	d.strs(identities)
	d.num(len(p.entries))
	for _, en := range p.entries {
		d.str(en.rel)
		d.str(en.link)
		d.num(en.uid)
		d.num(en.gid)
		d.attrs(&en.attrs)
		d.flag(en.err != nil) // a resolution failure must not look like an earlier success
		if en.sec != nil {
			d.str(string(en.sec.Kind))
			d.str(en.sec.Format)
			d.str(en.sec.File)
			d.str(en.src.digest)
			d.key(en.sec.Key)
		}
		if en.tpl != nil {
			d.str(en.tpl.Content)
			d.str(en.tpl.File)
		}
	}
	return d.sum()
}

// decide marks, per secret, whether its bytes can be carried from the previous generation
// (same content key, previously ok) or its file must be decrypted. The carried files are
// read in parallel: for 10,000 secrets this is the bulk of a re-activation.
func (p *plan) decide(prev *previous) {
	var carry []*entry
	for _, en := range p.entries {
		if en.template || en.err != nil {
			continue
		}
		if en.src.readErr != nil {
			en.fail(en.src.readErr)
			continue
		}
		en.ckey = contentKey(en.sec, en.src.digest)
		if old := prev.byName[en.rel]; old != nil && old.State == StateOK && old.ContentKey == en.ckey {
			carry = append(carry, en)
			prev.openDir(en.rel)
			continue
		}
		en.src.need = true
	}
	needValues := len(p.cfg.Templates) > 0 // templates render from carried values too
	parallel(len(carry), func(i int) {
		en := carry[i]
		if !p.cfg.UserMode && prev.linkable(en) {
			en.carry, en.shared = true, true
			if !needValues {
				return
			}
		}
		if b, ok := prev.read(en.rel); ok {
			en.value, en.carry = b, true
		} else {
			en.carry, en.shared = false, false
		}
	})
	for _, en := range carry {
		if !en.carry {
			en.src.need = true // unreadable in the old generation: decrypt after all
		}
	}
}

// collect takes values out of the decrypted files, renders templates, applies the
// failure policy's keep-the-last-good-value rule and compares with the previous generation.
func (p *plan) collect(prev *previous, log *slog.Logger) {
	secretKeys := map[string]string{}
	values := map[string][]byte{}
	for _, en := range p.entries {
		if en.template {
			continue
		}
		if !en.carry && en.err == nil {
			if en.src.openErr != nil {
				en.fail(en.src.openErr)
			} else if v, err := en.src.opened.Value(en.sec.Key); err != nil {
				en.fail(fmt.Errorf("%s: key %s: %w", en.src.path, keyString(en.sec.Key), err))
			} else {
				en.value = v
			}
		}
		p.settle(en, prev, log)
		if en.state != StateFailed {
			values[en.name], secretKeys[en.name] = en.value, en.ckey
			if en.state == StateStale {
				secretKeys[en.name] = "stale"
			}
		}
	}
	for _, en := range p.entries {
		if !en.template {
			continue
		}
		if en.err == nil {
			en.ckey, en.value, en.err = render(en.tpl, values, secretKeys)
		}
		p.settle(en, prev, log)
	}
}

// render fills a template's placeholders with its secrets' bytes. A placeholder of a
// failed or unknown secret fails the template; the error names the secret, never a value.
func render(t *Template, values map[string][]byte, secretKeys map[string]string) (string, []byte, error) {
	text := []byte(t.Content)
	if t.Content == "" && t.File != "" {
		b, err := os.ReadFile(t.File)
		if err != nil {
			return "", nil, fmt.Errorf("reading template file: %w", err)
		}
		text = b
	}
	if t.Renderer == nil {
		return templateKey(text, nil, secretKeys), text, nil
	}
	refs, err := t.Renderer.Names(text)
	if err != nil {
		return "", nil, err
	}
	out, err := t.Renderer.Render(text, func(name string) ([]byte, bool) {
		v, ok := values[name]
		return v, ok
	})
	if err != nil {
		return "", nil, err
	}
	return templateKey(text, refs, secretKeys), out, nil
}

// settle gives an entry its state: ok, stale (failed now, last good value kept) or failed.
func (p *plan) settle(en *entry, prev *previous, log *slog.Logger) {
	old := prev.byName[en.rel]
	if en.err == nil {
		en.state = StateOK
	} else {
		en.reason = en.err.Error()
		log.Error("install failed", "what", en.what(), "err", en.reason)
		if b, ok := prev.read(en.rel); ok && (old == nil || old.State != StateFailed) {
			en.value, en.state = b, StateStale
			if old != nil {
				en.ckey = old.ContentKey
			}
			if en.unresolved {
				// The new owner cannot be resolved: keep the last good file whole, with the
				// owner, group and mode it had, so that whoever read it still can (root:root
				// would lock the service out of its stale value).
				if st, ok := prev.stat(en.rel); ok {
					en.uid, en.gid, en.attrs.Mode = int(st.Uid), int(st.Gid), st.Mode&0o7777
				}
			}
		} else {
			en.value, en.state = nil, StateFailed
		}
	}
	if en.state == StateFailed || en.carry {
		return // a carried value is the previous one by construction
	}
	switch b, ok := prev.read(en.rel); {
	case !ok:
		en.added = true
	case !bytes.Equal(b, en.value):
		en.changed = true
	}
}

func (p *plan) failures() []error {
	var out []error
	for _, en := range p.entries {
		if en.err != nil {
			out = append(out, fmt.Errorf("%s: %w", en.what(), en.err))
		}
	}
	return out
}

func (p *plan) partialErr() error {
	var names []string
	for _, en := range p.entries {
		if en.err != nil {
			names = append(names, en.name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrPartial, strings.Join(names, ", "))
}

func (p *plan) decrypted() int {
	n := 0
	for _, f := range p.files {
		if f.opened != nil {
			n++
		}
	}
	return n
}

// report computes added/changed/removed and the units to restart or reload.
func (p *plan) report(prev *previous) *Result {
	res := &Result{}
	for _, en := range p.entries {
		label := en.name
		if en.template {
			label = RenderedDir + "/" + en.name
		}
		switch {
		case en.added:
			res.Added = append(res.Added, label)
		case en.changed:
			res.Changed = append(res.Changed, label)
		default:
			continue
		}
		res.Restart = append(res.Restart, en.attrs.RestartUnits...)
		res.Reload = append(res.Reload, en.attrs.ReloadUnits...)
	}
	if prev.indexed {
		for rel, old := range prev.byName {
			if p.byName[rel] == nil && old.State != StateFailed {
				res.Removed = append(res.Removed, rel)
			}
		}
	} else if prev.fd >= 0 {
		for _, rel := range listFiles(prev.fd, "") {
			if p.byName[rel] == nil {
				res.Removed = append(res.Removed, rel)
			}
		}
	}
	res.Restart, res.Reload = sortedUnique(res.Restart), sortedUnique(res.Reload)
	res.Added, res.Changed, res.Removed = sortedUnique(res.Added), sortedUnique(res.Changed), sortedUnique(res.Removed)
	return res
}

func (p *plan) statuses(now time.Time, prev *previous) []SecretStatus {
	out := make([]SecretStatus, 0, len(p.entries))
	for _, en := range p.entries {
		s := SecretStatus{
			Name: en.name, Template: en.template, Target: filepath.Join(p.cfg.Symlink, en.rel),
			Link: en.link, UID: en.uid, GID: en.gid, Mode: modeString(en.attrs.Mode),
			State: en.state, Reason: en.reason, ContentKey: en.ckey, Changed: now,
		}
		if en.sec != nil {
			s.Source, s.Key = en.sec.File, keyString(en.sec.Key)
		} else {
			s.Source = "template"
		}
		if old := prev.byName[en.rel]; old != nil && !en.added && !en.changed && !old.Changed.IsZero() {
			s.Changed = old.Changed
		}
		out = append(out, s)
	}
	return out
}
