package sopsfile

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// Differential test of the walk rules against sops: random YAML documents with comments
// everywhere (before keys, inline, inside lists, before nested maps), keys that do and do not
// match the suffixes and regexes, under every encryption option. The fixed seeds make failures
// reproducible; HUSH_INTEROP_RANDOM=N runs N documents per option instead of 4.

type yamlGen struct {
	r *rand.Rand
	b strings.Builder
}

var (
	genKeys     = []string{"a", "pw", "key_secret", "note_unencrypted", "deep", "list", "x"}
	genComments = []string{" sops:enc", " clear", " other", " sops:enc again"}
)

func (g *yamlGen) comment(ind string) {
	for g.r.IntN(2) == 0 {
		fmt.Fprintf(&g.b, "%s#%s\n", ind, genComments[g.r.IntN(len(genComments))])
	}
}

func (g *yamlGen) scalar() string {
	switch g.r.IntN(8) {
	case 0:
		return strconv.Itoa(g.r.IntN(1000) - 500)
	case 1:
		return "true"
	case 2:
		return "1.25"
	case 3:
		return `""`
	case 4:
		return "null"
	case 5:
		return `"ünï ✓"`
	default:
		return fmt.Sprintf("v%d", g.r.IntN(100))
	}
}

func (g *yamlGen) mapping(ind string, depth int) {
	n := 2 + g.r.IntN(5)
	used := map[string]bool{}
	for i := 0; i < n; i++ {
		k := genKeys[g.r.IntN(len(genKeys))]
		if used[k] {
			continue
		}
		used[k] = true
		g.comment(ind)
		switch c := g.r.IntN(4); {
		case depth < 3 && c == 0:
			fmt.Fprintf(&g.b, "%s%s:\n", ind, k)
			g.mapping(ind+"  ", depth+1)
		case depth < 3 && c == 1:
			fmt.Fprintf(&g.b, "%s%s:\n", ind, k)
			g.list(ind+"  ", depth+1)
		default:
			line := fmt.Sprintf("%s%s: %s", ind, k, g.scalar())
			if g.r.IntN(4) == 0 {
				line += " #" + genComments[g.r.IntN(len(genComments))]
			}
			g.b.WriteString(line + "\n")
		}
	}
}

func (g *yamlGen) list(ind string, depth int) {
	n := 1 + g.r.IntN(4)
	for i := 0; i < n; i++ {
		g.comment(ind)
		if depth < 3 && g.r.IntN(4) == 0 {
			k := genKeys[g.r.IntN(len(genKeys))]
			fmt.Fprintf(&g.b, "%s- %s: %s\n", ind, k, g.scalar())
			continue
		}
		fmt.Fprintf(&g.b, "%s- %s\n", ind, g.scalar())
	}
}

func randomYAML(seed uint64) string {
	g := &yamlGen{r: rand.New(rand.NewPCG(seed, 42))}
	g.mapping("", 0)
	return g.b.String()
}

func TestInteropRandomWalk(t *testing.T) {
	e := newInteropEnv(t, 1)
	e.needSops(t)
	n := 4
	if s := os.Getenv("HUSH_INTEROP_RANDOM"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	options := []struct {
		name  string
		rule  []string
		rules EncryptionRules
	}{
		{"default", nil, EncryptionRules{}},
		{"encrypted_suffix", []string{"encrypted_suffix: _secret"}, EncryptionRules{EncryptedSuffix: "_secret"}},
		{"unencrypted_regex", []string{"unencrypted_regex: ^(a|deep)$"}, EncryptionRules{UnencryptedRegex: "^(a|deep)$"}},
		{"encrypted_regex", []string{"encrypted_regex: ^(pw|list)$"}, EncryptionRules{EncryptedRegex: "^(pw|list)$"}},
		{"unencrypted_comment_regex", []string{"unencrypted_comment_regex: clear"}, EncryptionRules{UnencryptedCommentRegex: "clear"}},
		{"encrypted_comment_regex", []string{"encrypted_comment_regex: sops:enc"}, EncryptionRules{EncryptedCommentRegex: "sops:enc"}},
		{"mac_only_encrypted", []string{"encrypted_regex: ^pw$", "mac_only_encrypted: true"}, EncryptionRules{EncryptedRegex: "^pw$", MACOnlyEncrypted: true}},
	}
	for _, o := range options {
		for i := 0; i < n; i++ {
			seed := uint64(i*7 + 1)
			t.Run(fmt.Sprintf("%s/seed%d", o.name, seed), func(t *testing.T) {
				plain := []byte(randomYAML(seed))
				enc := e.SopsEncrypt(t, YAML, plain, e.Rule([]int{0}, o.rule...))
				want, sopsErr := e.SopsDecryptWith(YAML, enc, e.allKeys)
				if sopsErr != nil {
					// sops cannot read its own file (see walker.plainComments): hush reads
					// it, and refuses to write such a file itself.
					f := e.HushDecrypt(t, YAML, enc, 0)
					docs, _ := ParsePlain(plain, YAML)
					if !treesEqual(dropInline(f.Docs), dropInline(docs)) {
						t.Fatal("hush decrypt of a file sops cannot read gives other documents than the plaintext")
					}
					again, err := f.Encrypt()
					if err == nil || !strings.Contains(err.Error(), "could not decrypt this file again") {
						t.Fatalf("hush wrote a file sops cannot read (err %v, %d bytes)", err, len(again))
					}
					return
				}
				f := e.HushDecrypt(t, YAML, enc, 0)
				got, err := f.Plaintext(YAML)
				if err != nil {
					t.Fatal(err)
				}
				requireSame(t, "hush decrypt of sops' file", got, want)
				again, err := f.Encrypt()
				if err != nil {
					t.Fatal(err)
				}
				requireSame(t, "unchanged re-encryption", again, enc)
				mine := e.HushEncrypt(t, YAML, plain, e.Recipients(0), o.rules)
				requireSame(t, "sops decrypt of hush's file", e.SopsDecrypt(t, YAML, mine), want)
			})
		}
	}
}
