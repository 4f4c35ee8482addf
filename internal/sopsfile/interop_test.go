package sopsfile

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/hush-nix/hush/internal/keys"
	"github.com/hush-nix/hush/internal/testenv"
)

// Interop with the real sops v3.13.3, both ways. The harness (interopEnv and its methods) is
// shared with the store-specific cases in interop_stores_test.go:
//
//	e := newInteropEnv(t, 3)                       // sops binary + 3 throwaway age identities
//	enc := e.SopsEncrypt(t, YAML, plain, e.Rule(0)) // sops encrypts with a creation rule
//	want := e.SopsDecrypt(t, YAML, enc)             // sops' own plaintext
//	f := e.HushDecrypt(t, YAML, enc, 0)             // hush decrypts with identity 0
//	e.HushEncrypt(t, YAML, plain, e.Recipients(0), EncryptionRules{})
//
// Secrets in the fixtures are throwaway, but failures still print only lengths, hashes and the
// first differing line.

// interopEnv is a temporary directory with age identities and the sops CLI.
type interopEnv struct {
	sops     string
	dir      string
	ids      []*age.X25519Identity
	keyFiles []string // one identity each
	allKeys  string   // all identities
	extraEnv []string // e.g. GNUPGHOME=...
}

// newInteropEnv makes the identities; the sops CLI is looked up (or the test skipped) on the
// first Sops* call, so tests that only need the identities run without it.
func newInteropEnv(t *testing.T, n int) *interopEnv {
	t.Helper()
	e := &interopEnv{dir: t.TempDir()}
	var all bytes.Buffer
	for i := 0; i < n; i++ {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(e.dir, fmt.Sprintf("key%d.txt", i))
		if err := os.WriteFile(p, []byte(id.String()+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		e.ids = append(e.ids, id)
		e.keyFiles = append(e.keyFiles, p)
		all.WriteString(id.String() + "\n")
	}
	e.allKeys = filepath.Join(e.dir, "keys.txt")
	if err := os.WriteFile(e.allKeys, all.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return e
}

// Recipient is identity i's age recipient.
func (e *interopEnv) Recipient(i int) string { return e.ids[i].Recipient().String() }

// Rule is a .sops.yaml creation rule body (without path_regex) encrypting to identities
// which, plus extra lines (e.g. "encrypted_regex: ^x").
func (e *interopEnv) Rule(which []int, extra ...string) string {
	var rs []string
	for _, i := range which {
		rs = append(rs, e.Recipient(i))
	}
	s := "age: " + strings.Join(rs, ",") + "\n"
	for _, x := range extra {
		s += x + "\n"
	}
	return s
}

// GroupsRule is a creation rule body with one key group per identity and a threshold.
func (e *interopEnv) GroupsRule(threshold int, extra ...string) string {
	s := fmt.Sprintf("shamir_threshold: %d\nkey_groups:\n", threshold)
	for i := range e.ids {
		s += "  - age: [" + e.Recipient(i) + "]\n"
	}
	for _, x := range extra {
		s += x + "\n"
	}
	return s
}

// Recipients are hush recipients for identities which, in one group.
func (e *interopEnv) Recipients(which ...int) Recipients {
	var g KeyGroupRecipients
	for _, i := range which {
		g.Age = append(g.Age, e.Recipient(i))
	}
	return Recipients{Groups: []KeyGroupRecipients{g}}
}

// GroupRecipients are hush recipients with one group per identity.
func (e *interopEnv) GroupRecipients(threshold int) Recipients {
	r := Recipients{UseKeyGroups: true, ShamirThreshold: threshold}
	for i := range e.ids {
		r.Groups = append(r.Groups, KeyGroupRecipients{Age: []string{e.Recipient(i)}})
	}
	return r
}

// needSops finds the sops CLI or skips t.
func (e *interopEnv) needSops(t *testing.T) {
	t.Helper()
	if e.sops == "" {
		e.sops = testenv.Sops(t)
	}
}

// runSops runs sops in the env's directory with SOPS_AGE_KEY_FILE=keyFile.
func (e *interopEnv) runSops(keyFile string, args ...string) ([]byte, error) {
	if e.sops == "" {
		return nil, fmt.Errorf("test bug: call needSops (or SopsEncrypt/SopsDecrypt) before SopsDecryptWith")
	}
	cmd := exec.Command(e.sops, args...)
	cmd.Dir = e.dir
	cmd.Env = append([]string{"HOME=" + e.dir, "PATH=" + os.Getenv("PATH"), "SOPS_AGE_KEY_FILE=" + keyFile}, e.extraEnv...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		msg := errb.String()
		if len(msg) > 400 {
			msg = msg[:400]
		}
		return nil, fmt.Errorf("sops %v: %v: %s", args[0], err, msg)
	}
	return out.Bytes(), nil
}

var interopSeq int

// SopsEncrypt has sops encrypt plain (format f) under a .sops.yaml holding rule.
func (e *interopEnv) SopsEncrypt(t *testing.T, f Format, plain []byte, rule string) []byte {
	t.Helper()
	e.needSops(t)
	interopSeq++
	name := fmt.Sprintf("in%d.%s", interopSeq, f)
	cfg := "creation_rules:\n  - path_regex: .*\n" + indent(rule, "    ")
	if err := os.WriteFile(filepath.Join(e.dir, ".sops.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(e.dir, name)
	if err := os.WriteFile(p, plain, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := e.runSops(e.allKeys, "encrypt", "--input-type", string(f), "--output-type", string(f), p)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// SopsDecrypt has sops decrypt enc (format f) with every identity available.
func (e *interopEnv) SopsDecrypt(t *testing.T, f Format, enc []byte) []byte {
	t.Helper()
	e.needSops(t)
	out, err := e.SopsDecryptWith(f, enc, e.allKeys)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// SopsDecryptWith has sops decrypt enc with the identities in keyFile.
func (e *interopEnv) SopsDecryptWith(f Format, enc []byte, keyFile string) ([]byte, error) {
	interopSeq++
	p := filepath.Join(e.dir, fmt.Sprintf("enc%d.%s", interopSeq, f))
	if err := os.WriteFile(p, enc, 0o600); err != nil {
		return nil, err
	}
	return e.runSops(keyFile, "decrypt", "--input-type", string(f), "--output-type", string(f), p)
}

// KeySet loads identities which as a keys.Set (no defaults, no environment).
func (e *interopEnv) KeySet(t *testing.T, which ...int) *keys.Set {
	t.Helper()
	var files []string
	for _, i := range which {
		files = append(files, e.keyFiles[i])
	}
	s, err := keys.Load(keys.LoadOptions{Files: files, NoDefaults: true, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// HushDecrypt decrypts enc with identities which, failing the test on error.
func (e *interopEnv) HushDecrypt(t *testing.T, f Format, enc []byte, which ...int) *File {
	t.Helper()
	file, err := Decrypt("test."+string(f), enc, f, e.KeySet(t, which...))
	if err != nil {
		t.Fatalf("hush decrypt: %v", err)
	}
	return file
}

// HushEncrypt makes a new file from plaintext with hush.
func (e *interopEnv) HushEncrypt(t *testing.T, f Format, plain []byte, r Recipients, rules EncryptionRules) []byte {
	t.Helper()
	docs, err := ParsePlain(plain, f)
	if err != nil {
		t.Fatalf("parse plain: %v", err)
	}
	file, err := New("test."+string(f), f, docs, r, rules)
	if err != nil {
		t.Fatalf("new: %v", err)
	}
	out, err := file.Encrypt()
	if err != nil {
		t.Fatalf("encrypt: %v", err)
	}
	return out
}

func indent(s, pre string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i := range lines {
		lines[i] = pre + lines[i]
	}
	return strings.Join(lines, "\n") + "\n"
}

// requireSame fails with lengths, hashes and the first differing line only.
func requireSame(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	gl, wl := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
	line := 0
	for line < len(gl) && line < len(wl) && bytes.Equal(gl[line], wl[line]) {
		line++
	}
	var g, w []byte
	if line < len(gl) {
		g = gl[line]
	}
	if line < len(wl) {
		w = wl[line]
	}
	t.Errorf("%s: differs (got %d bytes sha256 %x, want %d bytes sha256 %x); first difference at line %d:\n got: %.200q\nwant: %.200q",
		what, len(got), sha256.Sum256(got), len(want), sha256.Sum256(want), line+1, g, w)
}

// hasStore reports whether the stores engineer's store for f is registered yet.
func hasStore(f Format) bool { _, ok := stores[f]; return ok }

// interopCase is one plaintext and one set of encryption options, in sops' .sops.yaml form and
// in hush's.
type interopCase struct {
	name  string
	plain map[Format]string
	rule  []string // extra .sops.yaml lines
	rules EncryptionRules
	// groups: three key groups, one identity each, threshold 2 (else one identity)
	groups bool
}

// caseRule, caseRecipients and caseIDs are the sops rule, hush recipients and the identities to
// decrypt with for c.
func (e *interopEnv) caseRule(c interopCase) string {
	if c.groups {
		return e.GroupsRule(2, c.rule...)
	}
	return e.Rule([]int{0}, c.rule...)
}

func (e *interopEnv) caseRecipients(c interopCase) Recipients {
	if c.groups {
		return e.GroupRecipients(2)
	}
	return e.Recipients(0)
}

func caseIDs(c interopCase) []int {
	if c.groups {
		return []int{1, 2}
	}
	return []int{0}
}

const yamlAllTypes = `# top comment
str: hello
int: 12
neg: -7
float: 1.5
float2: 1e+30
bool: true
no: false
empty: ""
null_value: null
unicode: "ünïcødé ✓ 秘密"
multi: |
  line one
  line two
nested:
  # a comment inside
  deeper:
    key: value
    list:
      - a
      - 2 # inline comment
      # head comment
      - x: y
        z: 3.25
  other_unencrypted: visible
  enc_secret: hidden
list_of_maps:
  - name: one
    pw: p1
  - name: two
    pw: p2
`

const jsonAllTypes = `{
	"str": "hello",
	"int": 12,
	"float": 1.5,
	"bool": true,
	"empty": "",
	"null_value": null,
	"unicode": "ünïcødé ✓ 秘密",
	"multi": "line one\nline two\n",
	"nested": {
		"deeper": {
			"key": "value",
			"list": ["a", 2, {"x": "y", "z": 3.25}]
		},
		"other_unencrypted": "visible",
		"enc_secret": "hidden"
	},
	"list_of_maps": [{"name": "one", "pw": "p1"}, {"name": "two", "pw": "p2"}]
}`

const dotenvAllTypes = "# comment\nSTR=hello\nINT=12\nEMPTY=\nUNICODE=ünïcødé ✓\nMULTI=line one\\nline two\nOTHER_unencrypted=visible\nENC_secret=hidden\n"

const iniAllTypes = "; comment\n[section]\nstr = hello\nint = 12\nunicode = ünïcødé ✓\nother_unencrypted = visible\nenc_secret = hidden\n\n[other]\nkey = value\n"

func allFormats(yaml string) map[Format]string {
	return map[Format]string{YAML: yaml, JSON: jsonAllTypes, Dotenv: dotenvAllTypes, INI: iniAllTypes, Binary: "binary\x00 data\nwith lines ✓\n"}
}

var interopCases = []interopCase{
	{name: "default", plain: allFormats(yamlAllTypes)},
	{name: "unencrypted_suffix", plain: allFormats(yamlAllTypes), rule: []string{"unencrypted_suffix: _unencrypted"}, rules: EncryptionRules{UnencryptedSuffix: "_unencrypted"}},
	{name: "encrypted_suffix", plain: allFormats(yamlAllTypes), rule: []string{"encrypted_suffix: _secret"}, rules: EncryptionRules{EncryptedSuffix: "_secret"}},
	{name: "unencrypted_regex", plain: allFormats(yamlAllTypes), rule: []string{"unencrypted_regex: ^(str|nested|name)$"}, rules: EncryptionRules{UnencryptedRegex: "^(str|nested|name)$"}},
	{name: "encrypted_regex", plain: allFormats(yamlAllTypes), rule: []string{"encrypted_regex: ^(pw|deeper|int|STR|str)$"}, rules: EncryptionRules{EncryptedRegex: "^(pw|deeper|int|STR|str)$"}},
	{name: "mac_only_encrypted", plain: allFormats(yamlAllTypes), rule: []string{"encrypted_regex: ^(pw|key)$", "mac_only_encrypted: true"}, rules: EncryptionRules{EncryptedRegex: "^(pw|key)$", MACOnlyEncrypted: true}},
	{name: "unencrypted_comment_regex", plain: map[Format]string{YAML: "a: 1\n# clear\nb: 2\nc:\n  # clear\n  d: x\n  e: y\nl:\n  - p\n  # clear\n  - q\n  - r\n"},
		rule: []string{"unencrypted_comment_regex: clear"}, rules: EncryptionRules{UnencryptedCommentRegex: "clear"}},
	{name: "encrypted_comment_regex", plain: map[Format]string{YAML: "a: 1\n# sops:enc\nb: 2\n# sops:enc\n# another\nb2: 3\nc:\n  # sops:enc\n  d: x\n  e: y\n# sops:enc\nm:\n  n: o\nl:\n  - p\n  # sops:enc\n  - q\n  - r\n"},
		rule: []string{"encrypted_comment_regex: sops:enc"}, rules: EncryptionRules{EncryptedCommentRegex: "sops:enc"}},
	{name: "multi_document", plain: map[Format]string{YAML: "a: 1\n---\nb: two\n"}},
	{name: "yaml_scalar_types", plain: map[Format]string{YAML: "a: !!timestamp 2001-12-14t21:59:43.10-05:00\nb: 2001-12-14\nc: !!binary aGVsbG8=\ne: 0x1F\nf: .inf\ng: -.inf\nh: 1e3\ni: 0o17\nj: ~\nk: 'quoted: yes'\nl: \"tab\\there\"\nm: -0.0\n"}},
	{name: "key_groups_2_of_3", plain: allFormats(yamlAllTypes), groups: true},
	{name: "key_groups_encrypted_regex", plain: allFormats(yamlAllTypes), groups: true, rule: []string{"encrypted_regex: ^(pw|key)$"}, rules: EncryptionRules{EncryptedRegex: "^(pw|key)$"}},
}

// TestInteropSopsToHush: sops encrypts, hush decrypts to exactly sops' plaintext, and hush's
// re-encryption of the unchanged file is byte-identical to what sops wrote.
func TestInteropSopsToHush(t *testing.T) {
	e := newInteropEnv(t, 3)
	e.needSops(t)
	for _, c := range interopCases {
		for _, f := range []Format{YAML, JSON, Dotenv, INI, Binary} {
			plain, ok := c.plain[f]
			if !ok {
				continue
			}
			t.Run(c.name+"/"+string(f), func(t *testing.T) {
				if !hasStore(f) {
					t.Skipf("store %s not registered yet", f)
				}
				enc := e.SopsEncrypt(t, f, []byte(plain), e.caseRule(c))
				want := e.SopsDecrypt(t, f, enc)
				file := e.HushDecrypt(t, f, enc, caseIDs(c)...)
				got, err := file.Plaintext(f)
				if err != nil {
					t.Fatal(err)
				}
				requireSame(t, "hush decrypt vs sops decrypt", got, want)
				again, err := file.Encrypt()
				if err != nil {
					t.Fatal(err)
				}
				requireSame(t, "unchanged re-encryption vs sops' file", again, enc)
			})
		}
	}
}

// TestInteropHushToSops: hush encrypts, sops decrypts to hush's plaintext; and after an
// unchanged Decrypt+Encrypt the file is byte-identical.
func TestInteropHushToSops(t *testing.T) {
	e := newInteropEnv(t, 3)
	e.needSops(t)
	for _, c := range interopCases {
		for _, f := range []Format{YAML, JSON, Dotenv, INI, Binary} {
			plain, ok := c.plain[f]
			if !ok {
				continue
			}
			t.Run(c.name+"/"+string(f), func(t *testing.T) {
				if !hasStore(f) {
					t.Skipf("store %s not registered yet", f)
				}
				enc := e.HushEncrypt(t, f, []byte(plain), e.caseRecipients(c), c.rules)
				got := e.SopsDecrypt(t, f, enc)
				// What sops makes of the same plaintext is the reference.
				want := e.SopsDecrypt(t, f, e.SopsEncrypt(t, f, []byte(plain), e.caseRule(c)))
				requireSame(t, "sops decrypt of hush's file vs of sops' file", got, want)
				file := e.HushDecrypt(t, f, enc, caseIDs(c)...)
				again, err := file.Encrypt()
				if err != nil {
					t.Fatal(err)
				}
				requireSame(t, "unchanged re-encryption", again, enc)
			})
		}
	}
}

func writeFile(path string, data []byte) error { return os.WriteFile(path, data, 0o600) }
