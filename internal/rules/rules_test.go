package rules

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hush-nix/hush/internal/keys"
	"github.com/hush-nix/hush/internal/sopsfile"
)

const (
	r1 = "age1e0yf4vwdw5dajekjlj6kfc2u676hpzrxjfrg7g223a35487yt9zsad8s9d"
	r2 = "age1lsthastdwzc9zxsvqreaq44cwdpm96gkmdtg455xmgvztvstgdtqjm5eu2"
	r3 = "age12sm3u38xuyh7wqws9azkrgpky3y5kg26g0arr9zdqjxfpe808daq7a2fp8"
	fp = "85D77543B3D624B63CEA9E6DBC17301B491B3F21"
)

// needKeys stands in a minimal recipient check while internal/keys is still a skeleton
// (real validation lives there).
func needKeys(t *testing.T) {
	t.Helper()
	if err := keys.ParseAgeRecipient(r1); err != nil {
		t.Logf("internal/keys not ready (%v): using a stand-in recipient check", err)
		old := checkAgeRecipient
		checkAgeRecipient = func(s string) error {
			if strings.HasPrefix(s, "age1") && len(s) == 62 {
				return nil
			}
			return errors.New("malformed recipient")
		}
		t.Cleanup(func() { checkAgeRecipient = old })
	}
}

func group(age []string, pgp []string) sopsfile.KeyGroupRecipients {
	return sopsfile.KeyGroupRecipients{Age: age, PGP: pgp}
}

func TestForFile(t *testing.T) {
	needKeys(t)
	tests := []struct {
		name    string
		config  string
		file    string // relative to the config's directory
		want    sopsfile.Recipients
		enc     sopsfile.EncryptionRules
		wantErr string
		// wantRecErr: the rule loads (its options apply) but its recipients are unusable.
		wantRecErr string
	}{
		{
			name:   "age comma string, spaces and trailing comma",
			config: "creation_rules:\n  - age: ' " + r1 + " , " + r2 + ",'\n",
			file:   "a.yaml",
			want:   sopsfile.Recipients{Groups: []sopsfile.KeyGroupRecipients{group([]string{r1, r2}, nil)}},
		},
		{
			name:   "age list, entries with commas split again",
			config: "creation_rules:\n  - age:\n      - " + r1 + "\n      - " + r2 + "," + r3 + "\n",
			file:   "a.yaml",
			want:   sopsfile.Recipients{Groups: []sopsfile.KeyGroupRecipients{group([]string{r1, r2, r3}, nil)}},
		},
		{
			name:   "first match wins, matched relative to the config dir",
			config: "creation_rules:\n  - path_regex: ^secrets/prod/.*\\.yaml$\n    age: " + r1 + "\n  - path_regex: \\.yaml$\n    age: " + r2 + "\n",
			file:   "secrets/prod/db.yaml",
			want:   sopsfile.Recipients{Groups: []sopsfile.KeyGroupRecipients{group([]string{r1}, nil)}},
		},
		{
			name:   "second rule",
			config: "creation_rules:\n  - path_regex: ^secrets/prod/.*\\.yaml$\n    age: " + r1 + "\n  - path_regex: \\.yaml$\n    age: " + r2 + "\n",
			file:   "secrets/dev/db.yaml",
			want:   sopsfile.Recipients{Groups: []sopsfile.KeyGroupRecipients{group([]string{r2}, nil)}},
		},
		{
			name:   "rule without path_regex matches everything",
			config: "creation_rules:\n  - path_regex: nope\n    age: " + r1 + "\n  - age: " + r2 + "\n",
			file:   "x.json",
			want:   sopsfile.Recipients{Groups: []sopsfile.KeyGroupRecipients{group([]string{r2}, nil)}},
		},
		{
			name:   "pgp string with spaces in fingerprints",
			config: "creation_rules:\n  - pgp: '85D7 7543 B3D6 24B6 3CEA 9E6D BC17 301B 491B 3F21,ABCDEF'\n",
			file:   "a.yaml",
			want:   sopsfile.Recipients{Groups: []sopsfile.KeyGroupRecipients{group(nil, []string{fp, "ABCDEF"})}},
		},
		{
			name:   "age and pgp together; duplicates kept at top level like sops",
			config: "creation_rules:\n  - age: " + r1 + "," + r1 + "\n    pgp: [" + fp + "]\n",
			file:   "a.yaml",
			want:   sopsfile.Recipients{Groups: []sopsfile.KeyGroupRecipients{group([]string{r1, r1}, []string{fp})}},
		},
		{
			name: "key groups 2 of 3, merge, de-duplicated, top-level lists ignored",
			config: `creation_rules:
  - age: ` + r3 + `
    shamir_threshold: 2
    key_groups:
      - age: [` + r1 + `, "` + r1 + `"]
      - age: ["` + r2 + `,` + r3 + `"]
        pgp: ["85D7 7543 B3D6 24B6 3CEA 9E6D BC17 301B 491B 3F21"]
      - merge:
          - age: [` + r3 + `]
          - age: [` + r3 + `, ` + r1 + `]
`,
			file: "a.yaml",
			want: sopsfile.Recipients{UseKeyGroups: true, ShamirThreshold: 2, Groups: []sopsfile.KeyGroupRecipients{
				group([]string{r1}, nil), group([]string{r2, r3}, []string{fp}), group([]string{r3, r1}, nil)}},
		},
		{
			name:   "one key group is written as top-level lists, like sops",
			config: "creation_rules:\n  - key_groups:\n      - age: [" + r1 + "]\n",
			file:   "a.yaml",
			want:   sopsfile.Recipients{Groups: []sopsfile.KeyGroupRecipients{group([]string{r1}, nil)}},
		},
		{
			name:   "options",
			config: "creation_rules:\n  - age: " + r1 + "\n    encrypted_regex: ^(data|stringData)$\n    mac_only_encrypted: true\n",
			file:   "a.yaml",
			want:   sopsfile.Recipients{Groups: []sopsfile.KeyGroupRecipients{group([]string{r1}, nil)}},
			enc:    sopsfile.EncryptionRules{EncryptedRegex: "^(data|stringData)$", MACOnlyEncrypted: true},
		},
		{name: "each option alone: unencrypted_suffix", config: "creation_rules:\n  - age: " + r1 + "\n    unencrypted_suffix: _clear\n", file: "a.yaml",
			want: sopsfile.Recipients{Groups: []sopsfile.KeyGroupRecipients{group([]string{r1}, nil)}}, enc: sopsfile.EncryptionRules{UnencryptedSuffix: "_clear"}},
		{name: "encrypted_suffix", config: "creation_rules:\n  - age: " + r1 + "\n    encrypted_suffix: _secret\n", file: "a.yaml",
			want: sopsfile.Recipients{Groups: []sopsfile.KeyGroupRecipients{group([]string{r1}, nil)}}, enc: sopsfile.EncryptionRules{EncryptedSuffix: "_secret"}},
		{name: "unencrypted_regex", config: "creation_rules:\n  - age: " + r1 + "\n    unencrypted_regex: ^pub\n", file: "a.yaml",
			want: sopsfile.Recipients{Groups: []sopsfile.KeyGroupRecipients{group([]string{r1}, nil)}}, enc: sopsfile.EncryptionRules{UnencryptedRegex: "^pub"}},
		{name: "encrypted_comment_regex", config: "creation_rules:\n  - age: " + r1 + "\n    encrypted_comment_regex: sops:enc\n", file: "a.yaml",
			want: sopsfile.Recipients{Groups: []sopsfile.KeyGroupRecipients{group([]string{r1}, nil)}}, enc: sopsfile.EncryptionRules{EncryptedCommentRegex: "sops:enc"}},
		{name: "unencrypted_comment_regex", config: "creation_rules:\n  - age: " + r1 + "\n    unencrypted_comment_regex: sops:clear\n", file: "a.yaml",
			want: sopsfile.Recipients{Groups: []sopsfile.KeyGroupRecipients{group([]string{r1}, nil)}}, enc: sopsfile.EncryptionRules{UnencryptedCommentRegex: "sops:clear"}},

		{name: "two crypt options", config: "creation_rules:\n  - age: " + r1 + "\n    encrypted_regex: a\n    unencrypted_suffix: b\n", file: "a.yaml",
			wantErr: "creation_rules[0] (line 2): cannot use more than one"},
		{name: "no match", config: "creation_rules:\n  - path_regex: \\.json$\n    age: " + r1 + "\n", file: "a.yaml", wantErr: "no matching creation rule for a.yaml"},
		{name: "bad age recipient", config: "creation_rules:\n  - age: age1nope\n", file: "a.yaml", wantErr: `creation_rules[0] (line 2): age recipient "age1nope"`},
		{name: "empty age entry in a list", config: "creation_rules:\n  - age: [" + r1 + ", '']\n", file: "a.yaml", wantErr: "empty age recipient"},
		{name: "bad regex only when reached", config: "creation_rules:\n  - age: " + r1 + "\n  - path_regex: '('\n", file: "a.yaml",
			want: sopsfile.Recipients{Groups: []sopsfile.KeyGroupRecipients{group([]string{r1}, nil)}}},
		{name: "bad path regex", config: "creation_rules:\n  - path_regex: '('\n    age: " + r1 + "\n", file: "a.yaml", wantErr: "creation_rules[0] (line 2): path_regex: error parsing regexp"},
		{name: "bad encrypted_regex", config: "creation_rules:\n  - age: " + r1 + "\n    encrypted_regex: '['\n", file: "a.yaml", wantErr: "encrypted_regex: error parsing regexp"},
		{name: "age of wrong type", config: "creation_rules:\n  - age: 12\n", file: "a.yaml", wantErr: "invalid age key configuration"},
		{name: "kms only", config: "creation_rules:\n  - kms: arn:aws:kms:us-east-1:1:key/x\n", file: "a.yaml", wantRecErr: "creation_rules[0] (line 2): uses kms master keys, which hush cannot encrypt to"},
		{name: "kms in a merged group", config: "creation_rules:\n  - key_groups:\n      - merge:\n          - kms: [{arn: x}]\n", file: "a.yaml", wantRecErr: "key_groups[0] (line 3): merge[0]: uses kms master keys"},
		{name: "kms with options: the options still apply", config: "creation_rules:\n  - kms: x\n    encrypted_regex: ^a\n", file: "a.yaml", wantRecErr: "uses kms", enc: sopsfile.EncryptionRules{EncryptedRegex: "^a"}},
		{name: "kms in a key group", config: "creation_rules:\n  - key_groups:\n      - age: [" + r1 + "]\n      - kms: [{arn: x}]\n", file: "a.yaml", wantRecErr: "key_groups[1] (line 4): uses kms master keys"},
		{name: "threshold above groups", config: "creation_rules:\n  - shamir_threshold: 3\n    key_groups:\n      - age: [" + r1 + "]\n      - age: [" + r2 + "]\n", file: "a.yaml", wantRecErr: "shamir_threshold 3 is more than the 2 key groups"},
		{name: "no creation_rules", config: "stores:\n  yaml:\n    indent: 2\n", file: "a.yaml", wantErr: "no creation_rules"},
		{name: "empty file", config: "", file: "a.yaml", wantErr: "no creation_rules"},
		{name: "not yaml", config: "creation_rules: [\n", file: "a.yaml", wantErr: "line 1: did not find"},
		{name: "rule not a mapping", config: "creation_rules:\n  - hello\n", file: "a.yaml", wantErr: "creation_rules[0] (line 2): a creation rule must be a mapping"},
		{name: "shamir of wrong type", config: "creation_rules:\n  - shamir_threshold: two\n", file: "a.yaml", wantErr: "creation_rules[0] (line 2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := filepath.Join(dir, FileName)
			if err := os.WriteFile(cfg, []byte(tt.config), 0o644); err != nil {
				t.Fatal(err)
			}
			res, err := Lookup{}.ForFile(filepath.Join(dir, tt.file))
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("got no error, want %q", tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), cfg) {
					t.Fatalf("error %q: want it to contain %q and the file name", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantRecErr != "" {
				if res.RecipientsErr == nil || !strings.Contains(res.RecipientsErr.Error(), tt.wantRecErr) || !strings.Contains(res.RecipientsErr.Error(), cfg) {
					t.Fatalf("RecipientsErr %v: want it to contain %q and the file name", res.RecipientsErr, tt.wantRecErr)
				}
				if res.Encryption != tt.enc {
					t.Errorf("encryption rules: got %+v, want %+v", res.Encryption, tt.enc)
				}
				return
			}
			if res.RecipientsErr != nil {
				t.Fatalf("RecipientsErr: %v", res.RecipientsErr)
			}
			if !reflect.DeepEqual(res.Recipients, tt.want) {
				t.Errorf("recipients:\n got %+v\nwant %+v", res.Recipients, tt.want)
			}
			if res.Encryption != tt.enc {
				t.Errorf("encryption rules: got %+v, want %+v", res.Encryption, tt.enc)
			}
			if res.ConfigPath != cfg {
				t.Errorf("config path %q, want %q", res.ConfigPath, cfg)
			}
		})
	}
}

func TestMatchPath(t *testing.T) {
	dir := t.TempDir()
	c := &Config{Path: filepath.Join(dir, FileName)}
	for file, want := range map[string]string{
		filepath.Join(dir, "a/b.yaml"): "a/b.yaml",
		filepath.Join(dir, "b.yaml"):   "b.yaml",
		"/elsewhere/c.yaml":            "/elsewhere/c.yaml", // outside: the absolute path, like sops
	} {
		got, err := c.MatchPath(file)
		if err != nil || got != want {
			t.Errorf("MatchPath(%q) = %q, %v; want %q", file, got, err, want)
		}
	}
}

func TestFindWalksUp(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b", "c")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	// A .sops.yml on the way is ignored with a warning; the .sops.yaml above is used.
	os.WriteFile(filepath.Join(root, "a", "b", AlternateFileName), nil, 0o644)
	os.WriteFile(filepath.Join(root, FileName), []byte("creation_rules: []\n"), 0o644)
	p, warn, err := Find(deep)
	if err != nil || p != filepath.Join(root, FileName) {
		t.Fatalf("Find = %q, %v", p, err)
	}
	if !strings.Contains(warn, AlternateFileName) {
		t.Errorf("warning %q does not mention %s", warn, AlternateFileName)
	}

	// The file's own directory wins over the working directory.
	os.WriteFile(filepath.Join(root, "a", FileName), []byte("creation_rules: []\n"), 0o644)
	var warnings []string
	got, err := Lookup{Warn: func(s string) { warnings = append(warnings, s) }}.FindFor(filepath.Join(deep, "x.yaml"))
	if err != nil || got != filepath.Join(root, "a", FileName) {
		t.Fatalf("FindFor = %q, %v", got, err)
	}
	if len(warnings) != 1 {
		t.Errorf("warnings %q, want one", warnings)
	}
}

func TestFindNotFound(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	_, err := Lookup{}.ForFile(filepath.Join(dir, "x.yaml"))
	if !errors.Is(err, ErrNotFound) {
		// A .sops.yaml above the temp dir would make this test meaningless, not wrong.
		t.Skipf("found a configuration above %s: %v", dir, err)
	}
	_, err = Lookup{ConfigPath: filepath.Join(dir, "missing.yaml")}.ForFile(filepath.Join(dir, "x.yaml"))
	if err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("explicit missing config: %v", err)
	}
}

func TestStores(t *testing.T) {
	for _, tt := range []struct {
		config string
		want   Stores
	}{
		{"", Stores{JSONIndent: -1, JSONBinaryIndent: -1}},
		{"stores:\n  yaml:\n    indent: 2\n  json:\n    indent: 0\n  json_binary:\n    indent: 3\n", Stores{YAMLIndent: 2, JSONIndent: 0, JSONBinaryIndent: 3}},
	} {
		c, err := Parse("x/.sops.yaml", []byte(tt.config))
		if err != nil {
			t.Fatal(err)
		}
		if c.Stores != tt.want {
			t.Errorf("%q: stores %+v, want %+v", tt.config, c.Stores, tt.want)
		}
	}
}

// TestLoadStores: the stores section alone, whatever the creation rules hold; defaults
// without it; a file that is not YAML is an error naming it.
func TestLoadStores(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	st, err := LoadStores(write("a.yaml", "creation_rules:\n  - kms: 5\nstores:\n  yaml:\n    indent: 2\n  json:\n    indent: 0\n"))
	if err != nil || st != (Stores{YAMLIndent: 2, JSONIndent: 0, JSONBinaryIndent: -1}) {
		t.Errorf("got %+v, %v", st, err)
	}
	if _, err := Load(filepath.Join(dir, "a.yaml")); err == nil {
		t.Error("the rule itself should be refused by Load")
	}
	st, err = LoadStores(write("b.yaml", "creation_rules: []\n"))
	if err != nil || st != (Stores{JSONIndent: -1, JSONBinaryIndent: -1}) {
		t.Errorf("defaults: got %+v, %v", st, err)
	}
	p := write("c.yaml", "stores: [\n")
	if _, err := LoadStores(p); err == nil || !strings.HasPrefix(err.Error(), p+": ") {
		t.Errorf("bad YAML: %v", err)
	}
}
