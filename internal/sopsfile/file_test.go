package sopsfile

import (
	"bytes"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
)

const groupsPlain = "a: secret one\nb:\n  c: 42\n  l: [x, true, 2.5]\n"

// TestInteropKeyGroups: 2-of-3 key groups made by sops open with hush from any two
// identities (not from one), and hush's 2-of-3 files open with sops from any two.
func TestInteropKeyGroups(t *testing.T) {
	e := newInteropEnv(t, 3)
	enc := e.SopsEncrypt(t, YAML, []byte(groupsPlain), e.GroupsRule(2))
	want := e.SopsDecrypt(t, YAML, enc)
	pairs := [][]int{{0, 1}, {1, 2}, {0, 2}}
	for _, p := range pairs {
		f := e.HushDecrypt(t, YAML, enc, p...)
		got, _ := f.Plaintext(YAML)
		requireSame(t, "sops 2-of-3 decrypted by hush", got, want)
	}
	f := e.HushDecrypt(t, YAML, enc, 0, 1)
	again, err := f.Encrypt()
	if err != nil {
		t.Fatal(err)
	}
	requireSame(t, "unchanged re-encryption of a key-groups file", again, enc)
	_, err = Decrypt("g.yaml", enc, YAML, e.KeySet(t, 1))
	if !errors.Is(err, ErrNoKey) || !strings.Contains(err.Error(), "1 of 3 key groups opened, 2 needed") {
		t.Errorf("one identity: %v", err)
	}

	// updatekeys: hush opened groups 0 and 1 only, and moves group 2 to a new identity; the
	// share of group 2 is re-derived, so sops opens the result with groups 0+2 or 1+2.
	e4 := newInteropEnv(t, 1)
	e4.needSops(t)
	r := e.GroupRecipients(2)
	r.Groups[2].Age = []string{e4.Recipient(0)}
	if err := f.Rewrap(r); err != nil {
		t.Fatal(err)
	}
	rewrapped, err := f.Encrypt()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range [][]int{{0}, {1}} {
		keyFile := e.dir + "/rewrap.txt"
		writeKeys(t, keyFile, e, p...)
		b, _ := os.ReadFile(keyFile)
		_ = writeFile(keyFile, append(b, []byte(e4.ids[0].String()+"\n")...))
		got, err := e.SopsDecryptWith(YAML, rewrapped, keyFile)
		if err != nil {
			t.Fatalf("sops on the rewrapped file with group %v + the new identity: %v", p, err)
		}
		requireSame(t, "rewrapped 2-of-3 decrypted by sops", got, want)
	}
	if bytes.Contains(rewrapped, []byte(e.Recipient(2))) {
		t.Error("the removed recipient is still in the file")
	}

	mine := e.HushEncrypt(t, YAML, []byte(groupsPlain), e.GroupRecipients(2), EncryptionRules{})
	if !bytes.Contains(mine, []byte("key_groups:")) || !bytes.Contains(mine, []byte("shamir_threshold: 2")) {
		t.Fatal("hush did not write key_groups / shamir_threshold")
	}
	for _, p := range pairs {
		keyFile := e.dir + "/pair.txt"
		writeKeys(t, keyFile, e, p...)
		got, err := e.SopsDecryptWith(YAML, mine, keyFile)
		if err != nil {
			t.Fatalf("sops with %v: %v", p, err)
		}
		requireSame(t, "hush 2-of-3 decrypted by sops", got, want)
	}
	if _, err := e.SopsDecryptWith(YAML, mine, e.keyFiles[2]); err == nil {
		t.Error("sops decrypted a 2-of-3 file with one identity")
	}
}

func writeKeys(t *testing.T, path string, e *interopEnv, which ...int) {
	t.Helper()
	var b bytes.Buffer
	for _, i := range which {
		b.WriteString(e.ids[i].String() + "\n")
	}
	if err := writeFile(path, b.Bytes()); err != nil {
		t.Fatal(err)
	}
}

// TestTamper: every change to a value, the MAC, lastmodified or a metadata field that matters
// is an error naming the file and what failed.
func TestTamper(t *testing.T) {
	e := newInteropEnv(t, 1)
	plain := "str: hello\nnested:\n  pw: secret\nclear_unencrypted: visible\nnum: 5\n"
	enc := string(e.SopsEncrypt(t, YAML, []byte(plain), e.Rule([]int{0})))
	flipIn := func(field string) func(string) string {
		// flips one base64 character of the data of the line starting with field
		return func(s string) string {
			re := regexp.MustCompile(`(?m)^(\s*` + regexp.QuoteMeta(field) + `: ENC\[AES256_GCM,data:)(.)`)
			return re.ReplaceAllStringFunc(s, func(m string) string {
				last := m[len(m)-1]
				r := byte('A')
				if last == 'A' {
					r = 'B'
				}
				return m[:len(m)-1] + string(r)
			})
		}
	}
	replace := func(old, new string) func(string) string {
		return func(s string) string {
			if !strings.Contains(s, old) {
				t.Fatalf("fixture lacks %q", old)
			}
			return strings.Replace(s, old, new, 1)
		}
	}
	swapValues := func(s string) string {
		re := regexp.MustCompile(`(?m)^str: (ENC\[.*\])$`)
		v := re.FindStringSubmatch(s)[1]
		re2 := regexp.MustCompile(`(?m)^num: (ENC\[.*\])$`)
		w := re2.FindStringSubmatch(s)[1]
		s = strings.Replace(s, "str: "+v, "str: "+w, 1)
		return strings.Replace(s, "num: "+w, "num: "+v, 1)
	}
	lm := regexp.MustCompile(`lastmodified: "([^"]+)"`).FindStringSubmatch(enc)[1]
	for _, tc := range []struct {
		name   string
		change func(string) string
		want   string
	}{
		{"value data", flipIn("str"), `key ["str"]: cannot decrypt value: authentication failed`},
		{"nested value", flipIn("pw"), `key ["nested"]["pw"]: cannot decrypt value`},
		{"MAC", flipIn("mac"), "cannot decrypt the MAC"},
		{"lastmodified", replace(lm, "2001-01-01T00:00:00Z"), "MAC or lastmodified was tampered with"},
		{"clear value changed", replace("visible", "visibl3"), "MAC mismatch"},
		{"values swapped", swapValues, "authentication failed"},
		{"value removed", replace("clear_unencrypted: visible\n", ""), "MAC mismatch"},
		{"unencrypted_suffix", replace("unencrypted_suffix: _unencrypted", "unencrypted_suffix: _none"), "should be encrypted but is a string in clear"},
		{"mac_only_encrypted added", replace("    unencrypted_suffix:", "    mac_only_encrypted: true\n    unencrypted_suffix:"), "MAC mismatch"},
		{"encrypted_regex instead", replace("unencrypted_suffix: _unencrypted", "encrypted_regex: ^pw$"), "MAC mismatch"},
		{"age enc", replace("-----BEGIN AGE ENCRYPTED FILE-----\n        ", "-----BEGIN AGE ENCRYPTED FILE-----\n        AAAA"), "test.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := tc.change(enc)
			if bad == enc {
				t.Fatal("change did not apply")
			}
			_, err := Decrypt("test.yaml", []byte(bad), YAML, e.KeySet(t, 0))
			if err == nil {
				t.Fatal("tampered file decrypted")
			}
			if !strings.HasPrefix(err.Error(), "test.yaml: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to name the file and contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "hello") {
				t.Errorf("error quotes a value: %v", err)
			}
		})
	}
}

// TestWrongKey: the error lists the file's recipients and the identities tried.
func TestWrongKey(t *testing.T) {
	e := newInteropEnv(t, 2)
	enc := e.HushEncrypt(t, YAML, []byte("a: b\n"), e.Recipients(0), EncryptionRules{})
	_, err := Decrypt("w.yaml", enc, YAML, e.KeySet(t, 1))
	if !errors.Is(err, ErrNoKey) {
		t.Fatalf("got %v", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "w.yaml: ") || !strings.Contains(msg, e.Recipient(0)) || !strings.Contains(msg, e.Recipient(1)) || !strings.Contains(msg, e.keyFiles[1]) {
		t.Errorf("message lacks file, recipient or tried identity: %s", msg)
	}
}

// TestUnsupportedKeysKept: a file whose only key is kms is reported as unsupported naming the
// kind; a file with kms next to age decrypts and keeps the kms entry through Encrypt and Rewrap.
func TestUnsupportedKeysKept(t *testing.T) {
	e := newInteropEnv(t, 2)
	enc := string(e.SopsEncrypt(t, YAML, []byte("a: b\n"), e.Rule([]int{0})))
	kms := "    kms:\n        - arn: arn:aws:kms:eu-west-1:111:key/abc\n          created_at: \"2024-01-01T00:00:00Z\"\n          enc: AQICAHh\n          aws_profile: \"\"\n"
	withKMS := strings.Replace(enc, "    lastmodified:", kms+"    lastmodified:", 1)
	f := e.HushDecrypt(t, YAML, []byte(withKMS), 0)
	if len(f.Meta.KeyGroups[0].Other) != 1 || f.Meta.KeyGroups[0].Other[0].Kind != "kms" {
		t.Fatalf("kms entry not read: %+v", f.Meta.KeyGroups)
	}
	if err := f.Rewrap(e.Recipients(0, 1)); err != nil {
		t.Fatal(err)
	}
	out, err := f.Encrypt()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte("arn:aws:kms:eu-west-1:111:key/abc")) || !bytes.Contains(out, []byte(e.Recipient(1))) {
		t.Error("kms entry lost or new recipient missing after Rewrap")
	}
	got, err := e.SopsDecryptWith(YAML, out, e.keyFiles[1])
	if err != nil || string(got) != "a: b\n" {
		t.Errorf("sops cannot decrypt the rewrapped file with the new recipient: %v", err)
	}
	if err := f.Rotate(e.Recipients(0)); err == nil {
		t.Error("Rotate dropped a kms key silently")
	}

	onlyKMS := regexp.MustCompile(`(?s)    age:\n.*?(    kms:)`).ReplaceAllString(withKMS, "$1")
	_, err = Decrypt("k.yaml", []byte(onlyKMS), YAML, e.KeySet(t, 0))
	if !errors.Is(err, ErrUnsupportedKeys) || !strings.Contains(err.Error(), "kms") {
		t.Errorf("kms-only file: %v", err)
	}
}

// TestEditKeepsCiphertexts: after changing one value only that value's ciphertext, the MAC
// and lastmodified change; equal list elements do not become equal ciphertexts.
func TestEditKeepsCiphertexts(t *testing.T) {
	e := newInteropEnv(t, 1)
	enc := e.SopsEncrypt(t, YAML, []byte("a: one\nb: two\nl: [x, x, x]\n"), e.Rule([]int{0}))
	f := e.HushDecrypt(t, YAML, enc, 0)
	if err := f.Set(KeyPath{"b"}, "changed"); err != nil {
		t.Fatal(err)
	}
	out, err := f.Encrypt()
	if err != nil {
		t.Fatal(err)
	}
	oldLines, newLines := strings.Split(string(enc), "\n"), strings.Split(string(out), "\n")
	if len(oldLines) != len(newLines) {
		t.Fatalf("line count changed: %d -> %d", len(oldLines), len(newLines))
	}
	var changed []string
	for i := range oldLines {
		if oldLines[i] != newLines[i] {
			changed = append(changed, strings.SplitN(strings.TrimSpace(newLines[i]), ":", 2)[0])
		}
	}
	// lastmodified is to the second, so it may not have moved since sops wrote the file.
	if c := strings.Join(changed, ","); c != "b,lastmodified,mac" && c != "b,mac" {
		t.Errorf("changed lines: %v", changed)
	}
	got := e.SopsDecrypt(t, YAML, out)
	if string(got) != "a: one\nb: changed\nl:\n    - x\n    - x\n    - x\n" {
		t.Errorf("sops reads the edit differently (%d bytes)", len(got))
	}
	// Rotate: new data key, every value re-encrypted, still readable by sops.
	if err := f.Rotate(e.Recipients(0)); err != nil {
		t.Fatal(err)
	}
	rot, err := f.Encrypt()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(rot, []byte(strings.SplitN(string(out), "\n", 2)[0])) {
		t.Error("rotated file kept an old ciphertext")
	}
	requireSame(t, "rotated file decrypted by sops", e.SopsDecrypt(t, YAML, rot), got)
}

// TestParallelDecrypt: install decrypts many files at once with one key set; Decrypt shares
// no mutable state between calls (run with -race).
func TestParallelDecrypt(t *testing.T) {
	e := newInteropEnv(t, 1)
	enc := e.HushEncrypt(t, YAML, []byte(groupsPlain), e.Recipients(0), EncryptionRules{})
	ids := e.KeySet(t, 0)
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() {
			f, err := Decrypt("p.yaml", enc, YAML, ids)
			if err == nil {
				_, err = f.Encrypt()
			}
			errs <- err
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
