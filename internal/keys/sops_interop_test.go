package keys

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hush-nix/hush/internal/testenv"
)

// TestSopsDataKeyInterop checks the wrapped data keys against the real sops, without the
// sops file format code: sops encrypts a JSON file to one age and one pgp key; hush unwraps
// both data keys; hush re-wraps the data key into the file's metadata; sops decrypts the
// result with only the age key, then with only the pgp key.
func TestSopsDataKeyInterop(t *testing.T) {
	sops := testenv.Sops(t)
	g := newGPGFixture(t)
	dir := t.TempDir()
	id, rcpt := mustKey(t)
	keys := writeFile(t, dir, "keys.txt", id+"\n", 0o600)
	plain := writeFile(t, dir, "plain.json", `{"a":"value"}`, 0o600)
	emptyHome := t.TempDir()
	emptyGPG := filepath.Join(emptyHome, "gnupg")
	os.Mkdir(emptyGPG, 0o700)
	baseEnv := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + emptyHome, "XDG_CONFIG_HOME=" + emptyHome + "/.config"}

	runSops := func(env []string, args ...string) ([]byte, error) {
		cmd := exec.Command(sops, args...)
		cmd.Env = append(append([]string(nil), baseEnv...), env...)
		cmd.Dir = dir
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		if err != nil {
			t.Logf("sops %s: %s", args[0], errb.String())
		}
		return out.Bytes(), err
	}
	encrypted, err := runSops([]string{"GNUPGHOME=" + g.home}, "encrypt", "--age", rcpt, "--pgp", g.fp, "--input-type", "json", "--output-type", "json", plain)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(encrypted, &doc); err != nil {
		t.Fatal(err)
	}
	meta := doc["sops"].(map[string]any)
	ageKey := meta["age"].([]any)[0].(map[string]any)
	pgpKey := meta["pgp"].([]any)[0].(map[string]any)

	set, err := Load(LoadOptions{Files: []string{keys}, PGPKeyFiles: []string{g.secretFile}, Getenv: noEnv, NoDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	dkAge, err := set.UnwrapAge([]byte(ageKey["enc"].(string)))
	if err != nil {
		t.Fatalf("sops' age blob: %v", err)
	}
	dkPGP, err := set.UnwrapPGP(g.fp, []byte(pgpKey["enc"].(string)))
	if err != nil {
		t.Fatalf("sops' pgp blob: %v", err)
	}
	if len(dkAge) != 32 || !bytes.Equal(dkAge, dkPGP) {
		t.Fatalf("data keys differ or wrong size (%d, %d bytes)", len(dkAge), len(dkPGP))
	}

	ageKey["enc"] = must(WrapAge(dkAge, rcpt))
	pgpKey["enc"] = must(WrapPGPWith(dkAge, g.fp, PGPWrapOptions{PublicKeyFiles: []string{g.publicFile}}))
	rewrapped := filepath.Join(dir, "rewrapped.json")
	os.WriteFile(rewrapped, must(json.Marshal(doc)), 0o600)

	for name, env := range map[string][]string{
		"age only": {"SOPS_AGE_KEY_FILE=" + keys, "GNUPGHOME=" + emptyGPG},
		"pgp only": {"GNUPGHOME=" + g.home},
	} {
		out, err := runSops(env, "decrypt", "--input-type", "json", "--output-type", "json", rewrapped)
		if err != nil {
			t.Fatalf("%s: sops cannot decrypt hush's data keys: %v", name, err)
		}
		var got map[string]any
		if json.Unmarshal(out, &got) != nil || got["a"] != "value" {
			t.Fatalf("%s: unexpected plaintext shape (%d bytes)", name, len(out))
		}
	}
}
