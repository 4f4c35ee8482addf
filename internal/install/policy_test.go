package install

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/hush-nix/hush/internal/keys"
	"github.com/hush-nix/hush/internal/sopsfile"
)

// TestFailurePolicyMatrix: each way a secret can fail — its sops key does not exist, its
// file is corrupt, its owner is an unknown user — under each policy, with real sops files
// and the real decrypter. keep-going: the others are installed (a changed value arrives),
// the failed secret that had a value keeps it (stale), one without is absent (failed), the
// result is ErrPartial (exit 2), and status.json's reasons name the file and key (or the
// user) and hold no value. strict: nothing under the mount point, the symlink or the
// restart lists changes.
func TestFailurePolicyMatrix(t *testing.T) {
	for _, fault := range []string{"missing key", "corrupt file", "unknown owner"} {
		for _, strict := range []bool{false, true} {
			name := fault + "/keep-going"
			if strict {
				name = fault + "/strict"
			}
			t.Run(name, func(t *testing.T) { policyCase(t, fault, strict) })
		}
	}
}

const unknownUser = "hushtest-nobody-such"

func policyCase(t *testing.T, fault string, strict bool) {
	tr := newTree(t)
	id, rec, err := keys.GenerateX25519()
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(tr.root, "key.txt")
	if err := os.WriteFile(keyFile, []byte(id+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	encrypt := func(name, plain string) string {
		t.Helper()
		docs, err := sopsfile.ParsePlain([]byte(plain), sopsfile.YAML)
		if err != nil {
			t.Fatal(err)
		}
		f, err := sopsfile.New(name, sopsfile.YAML, docs, sopsfile.Recipients{Groups: []sopsfile.KeyGroupRecipients{{Age: []string{rec}}}}, sopsfile.EncryptionRules{})
		if err != nil {
			t.Fatal(err)
		}
		enc, err := f.Encrypt()
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(tr.root, "src", name)
		if err := os.WriteFile(p, enc, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := encrypt("a.yaml", "good: pol-good-1\nspare: pol-spare-1\n")
	b := encrypt("b.yaml", "victim: pol-victim-1\nother: pol-other-1\n")
	good := sec("good", a, "good", 0o400)
	good.RestartUnits = []string{"good.service"}
	victim := sec("victim", b, "victim", 0o440)
	victim.Owner, victim.Group = Owner{Name: testUser1}, Owner{Name: testGroup}
	victim.RestartUnits = []string{"victim.service"}
	cfg := tr.config(good, victim)
	cfg.Identities = Identities{AgeKeyFile: keyFile}
	e := &Engine{NixosRunDir: filepath.Join(tr.root, "run/nixos")}
	if res := tr.install(e, cfg); res.Generation != 1 {
		t.Fatalf("generation %d", res.Generation)
	}

	// The good secret changes; the victim fails; a new secret fails the same way.
	encrypt("a.yaml", "good: pol-good-2\nspare: pol-spare-1\n")
	fresh := sec("fresh", b, "other", 0o400)
	wantInReason := map[string][]string{}
	switch fault {
	case "missing key":
		cfg.Secrets[1].Key = []any{"no-such-key"}
		fresh.Key = []any{"absent-too"}
		wantInReason = map[string][]string{"victim": {b, "no-such-key"}, "fresh": {b, "absent-too"}}
	case "corrupt file":
		data, _ := os.ReadFile(b)
		// Damage one value's ciphertext: still YAML with sops metadata, no longer decryptable.
		i := bytes.Index(data, []byte("ENC[AES256_GCM,data:"))
		if i < 0 {
			t.Fatal("no ciphertext found")
		}
		data[i+21] ^= 0x01
		if err := os.WriteFile(b, data, 0o644); err != nil {
			t.Fatal(err)
		}
		wantInReason = map[string][]string{"victim": {b}, "fresh": {b}}
	case "unknown owner":
		cfg.Secrets[1].Owner = Owner{Name: unknownUser}
		fresh = sec("fresh", a, "spare", 0o400)
		fresh.Owner = Owner{Name: unknownUser}
		wantInReason = map[string][]string{"victim": {unknownUser}, "fresh": {unknownUser}}
	}
	cfg.Secrets = append(cfg.Secrets, fresh)
	cfg.Strict = strict

	restartList := filepath.Join(tr.root, "run/nixos/activation-restart-list")
	before := treeListing(t, tr)
	beforeLink, _ := os.Readlink(tr.symlink())
	beforeRestart, _ := os.ReadFile(restartList)
	res, err := e.Install(cfg)
	if err != nil {
		for _, v := range []string{"pol-good", "pol-victim", "pol-other", "pol-spare"} {
			if strings.Contains(err.Error(), v) {
				t.Error("a value in the error")
			}
		}
	}
	if strict {
		if err == nil || errors.Is(err, ErrPartial) {
			t.Fatalf("strict: %v", err)
		}
		if after := treeListing(t, tr); after != before {
			t.Errorf("strict failure changed the tree:\nbefore %s\nafter  %s", before, after)
		}
		if l, _ := os.Readlink(tr.symlink()); l != beforeLink {
			t.Error("strict failure switched the symlink")
		}
		if r, _ := os.ReadFile(restartList); !bytes.Equal(r, beforeRestart) {
			t.Error("strict failure wrote the restart list")
		}
		return
	}
	if !errors.Is(err, ErrPartial) {
		t.Fatalf("keep-going: %v", err)
	}
	states := map[string]State{}
	for _, s := range res.Secrets {
		states[s.Name] = s.State
	}
	if states["good"] != StateOK || states["victim"] != StateStale || states["fresh"] != StateFailed {
		t.Fatalf("states %v", states)
	}
	check := func(name, want string) {
		t.Helper()
		got, err := os.ReadFile(filepath.Join(tr.symlink(), name))
		if want == "" {
			if err == nil {
				t.Errorf("%s present (%d bytes), want absent", name, len(got))
			}
			return
		}
		if err != nil || !bytes.Equal(got, []byte(want)) {
			t.Errorf("%s: %d bytes, %v (want the %d-byte value)", name, len(got), err, len(want))
		}
	}
	check("good", "pol-good-2")
	check("victim", "pol-victim-1")
	check("fresh", "")
	// The stale file keeps its owner, group and mode, also when the new owner is unknown:
	// the service that read it still can.
	var vst syscall.Stat_t
	if err := syscall.Stat(filepath.Join(tr.symlink(), "victim"), &vst); err != nil || vst.Uid != testUID1 || vst.Gid != testGID || vst.Mode&0o7777 != 0o440 {
		t.Errorf("stale victim: %d:%d %04o, %v (want %d:%d 0440)", vst.Uid, vst.Gid, vst.Mode&0o7777, err, testUID1, testGID)
	}
	if r, _ := os.ReadFile(restartList); !strings.Contains(string(r), "good.service") || strings.Contains(string(r), "victim.service") {
		t.Errorf("restart list %q", r)
	}
	st, _, err := ReadStatus(tr.symlink())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st.Secrets {
		if s.Name != "victim" && s.Name != "fresh" {
			continue
		}
		// The entry itself names its source file and key, whatever the reason says.
		if s.Source == "" || s.Key == "" {
			t.Errorf("%s: status entry without source file or key: %+v", s.Name, s)
		}
		for _, w := range wantInReason[s.Name] {
			if !strings.Contains(s.Reason, w) {
				t.Errorf("%s: reason %q does not name %q", s.Name, s.Reason, w)
			}
		}
	}
	raw, err := os.ReadFile(filepath.Join(tr.symlink(), metaDir, "status.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"pol-good", "pol-victim", "pol-other", "pol-spare"} {
		if bytes.Contains(raw, []byte(v)) {
			t.Errorf("a value in status.json")
		}
	}
}

// treeListing describes everything under the mount point and the record dir: names,
// modes, owners, sizes, inode numbers, mtimes.
func treeListing(t *testing.T, tr *testTree) string {
	t.Helper()
	var lines []string
	_ = filepath.Walk(tr.mount(), func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			lines = append(lines, p+" "+err.Error())
			return nil
		}
		st := fi.Sys().(*syscall.Stat_t)
		lines = append(lines, fmt.Sprintf("%s %v %d:%d %d %d %v", strings.TrimPrefix(p, tr.mount()), fi.Mode(), st.Uid, st.Gid, fi.Size(), st.Ino, fi.ModTime()))
		return nil
	})
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
