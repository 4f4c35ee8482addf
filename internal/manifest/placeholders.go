package manifest

import (
	"sort"
	"strconv"

	"github.com/hush-nix/hush/internal/template"
)

// checkPlaceholders validates hush's "placeholders" (extra literal placeholders by secret
// name): each names a secret, none is empty, and no string stands for two secrets.
func (m *Manifest) checkPlaceholders(ps *problems) {
	if len(m.Placeholders) == 0 {
		return
	}
	owner := make(map[string]string, len(m.Secrets)) // placeholder -> secret name
	for i := range m.Secrets {
		n := m.Secrets[i].Name
		owner[template.SopsPlaceholder(n)] = n
	}
	names := make([]string, 0, len(m.Placeholders))
	for n := range m.Placeholders {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ph := m.Placeholders[n]
		switch prev, taken := owner[ph]; {
		case m.secret(n) == nil:
			ps.add(loc{label: "placeholders"}, "", "%q is not the name of a secret", n)
		case ph == "":
			ps.add(loc{label: "placeholders"}, "", "%q: empty placeholder", n)
		case taken && prev != n:
			ps.add(loc{label: "placeholders"}, "", "%q: the placeholder is already used for secret %q", n, prev)
		default:
			owner[ph] = n
		}
	}
}

// buildRenderer makes the template renderer for this manifest's origin:
//
//   - hush: <hush:NAME>, sops-nix's default <SOPS:sha256(NAME):PLACEHOLDER> for every secret,
//     and the extra "placeholders".
//   - sops-nix: only placeholderBySecretName, exactly like sops-install-secrets (a later
//     secret wins a placeholder two secrets share, as in its map).
func (m *Manifest) buildRenderer(ps *problems) {
	lits := map[string]string{}
	if m.Origin == OriginHush {
		for i := range m.Secrets {
			lits[template.SopsPlaceholder(m.Secrets[i].Name)] = m.Secrets[i].Name
		}
	}
	for i := range m.Secrets {
		n := m.Secrets[i].Name
		ph, ok := m.Placeholders[n]
		if !ok {
			continue
		}
		if ph == "" {
			if m.Origin == OriginSopsNix {
				ps.add(entryWhere("secrets", i, n), n, "empty placeholder in placeholderBySecretName")
			}
			continue
		}
		if prev, taken := lits[ph]; taken && prev != n && m.Origin == OriginHush {
			continue // reported by checkPlaceholders
		}
		lits[ph] = n
	}
	r, err := template.New(template.Options{Hush: m.Origin == OriginHush, Literals: lits})
	if err != nil {
		ps.add(loc{}, "", "%v", err)
		return
	}
	m.renderer = r
}

// Renderer returns the placeholder renderer for this manifest's templates (hush's syntaxes,
// or sops-nix's placeholders for a sops-nix manifest). Use it for templates read from File,
// then check the names it finds with CheckTemplateRefs.
func (m *Manifest) Renderer() *template.Renderer {
	if m.renderer == nil {
		var ps problems
		m.buildRenderer(&ps)
	}
	return m.renderer
}

// CheckTemplateRefs checks a template's content read at install time (Template.File): every
// placeholder must be well formed and name a secret of this manifest that templates may use.
// It returns the referenced names, sorted.
func (m *Manifest) CheckTemplateRefs(t *Template, content []byte) ([]string, error) {
	var ps problems
	where := loc{label: "template " + strconv.Quote(t.Name)}
	names, err := m.Renderer().Names(content)
	if err != nil {
		ps.add(where, t.Name, "%s: %v", t.File, err)
		return nil, ps.err(m.File)
	}
	m.checkRefs(t, names, func(format string, args ...any) { ps.add(where, t.Name, format, args...) })
	return names, ps.err(m.File)
}
