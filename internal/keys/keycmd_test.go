package keys

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestSplitCommand(t *testing.T) {
	for in, want := range map[string][]string{
		"pass show age":              {"pass", "show", "age"},
		`  a  'b c'  "d \"e\"" f\ g`: {"a", "b c", `d "e"`, "f g"},
		`x ''`:                       {"x", ""},
		"a\tb\nc":                    {"a", "b", "c"},
	} {
		got, err := splitCommand(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("splitCommand(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "   ", "a 'b", `a "b`, `a\`} {
		if _, err := splitCommand(bad); err == nil {
			t.Errorf("splitCommand(%q) accepted", bad)
		}
	}
}

func TestKeyCommands(t *testing.T) {
	dir := t.TempDir()
	id, r := mustKey(t)
	keys := writeFile(t, dir, "my keys.txt", id+"\n", 0o600)
	ssh := copyTestdata(t, dir, "ssh_ed25519")
	set, err := Load(LoadOptions{Getenv: envOf(map[string]string{
		"SOPS_AGE_KEY_CMD":             "cat '" + keys + "'",
		"SOPS_AGE_SSH_PRIVATE_KEY_CMD": "cat " + ssh,
	}), NoDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	d := set.Describe()
	if len(d) != 3 || d[0] != r+" (from $SOPS_AGE_KEY_CMD)" || !strings.HasSuffix(d[1], "(from $SOPS_AGE_SSH_PRIVATE_KEY_CMD)") {
		t.Fatalf("Describe = %q", d)
	}
	enc, _ := WrapAge(dataKey(), r)
	if k, err := set.UnwrapAge([]byte(enc)); err != nil || !bytes.Equal(k, dataKey()) {
		t.Fatalf("unwrap: %v", err)
	}
	_, err = Load(LoadOptions{Getenv: envOf(map[string]string{"SOPS_AGE_KEY_CMD": "sh -c 'echo nope >&2; exit 3'"}), NoDefaults: true})
	if err == nil || !strings.Contains(err.Error(), "$SOPS_AGE_KEY_CMD") || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("failing command: %v", err)
	}
}
