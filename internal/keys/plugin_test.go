package keys

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/plugin"
)

// A fake age plugin: this test binary, run under the name age-plugin-hushtest, speaks the
// plugin protocol through filippo.io/age/plugin. Its recipients and identities carry a raw
// X25519 key; its stanzas are X25519 stanzas under the type "hushtest-x25519".

const fakePluginName = "hushtest"

func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "age-plugin-"+fakePluginName {
		os.Exit(fakePluginMain())
	}
	os.Exit(m.Run())
}

func fakePluginMain() int {
	if log := os.Getenv("HUSH_FAKE_PLUGIN_LOG"); log != "" {
		if f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			f.WriteString(strings.Join(os.Args[1:], " ") + "\n")
			f.Close()
		}
	}
	p, err := plugin.New(fakePluginName)
	if err != nil {
		return 1
	}
	p.RegisterFlags(flag.NewFlagSet("plugin", flag.ContinueOnError))
	p.HandleRecipient(func(data []byte) (age.Recipient, error) {
		s, err := bech32Encode("age", data)
		if err != nil {
			return nil, err
		}
		r, err := age.ParseX25519Recipient(s)
		if err != nil {
			return nil, err
		}
		return renamedRecipient{r}, nil
	})
	p.HandleIdentity(func(data []byte) (age.Identity, error) {
		s, err := bech32Encode("AGE-SECRET-KEY-", data)
		if err != nil {
			return nil, err
		}
		id, err := age.ParseX25519Identity(strings.ToUpper(s))
		if err != nil {
			return nil, err
		}
		return renamedIdentity{id}, nil
	})
	return p.Main()
}

type renamedRecipient struct{ r age.Recipient }

func (r renamedRecipient) Wrap(fileKey []byte) ([]*age.Stanza, error) {
	ss, err := r.r.Wrap(fileKey)
	for _, s := range ss {
		s.Type = "hushtest-x25519"
	}
	return ss, err
}

type renamedIdentity struct{ id age.Identity }

func (i renamedIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	var mine []*age.Stanza
	for _, s := range stanzas {
		if s.Type == "hushtest-x25519" {
			c := *s
			c.Type = "X25519"
			mine = append(mine, &c)
		}
	}
	if len(mine) == 0 {
		return nil, age.ErrIncorrectIdentity
	}
	return i.id.Unwrap(mine)
}

func installFakePlugin(t *testing.T) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(exe, filepath.Join(dir, "age-plugin-"+fakePluginName)); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

func TestAgePluginRoundTrip(t *testing.T) {
	installFakePlugin(t)
	log := filepath.Join(t.TempDir(), "plugin.log")
	t.Setenv("HUSH_FAKE_PLUGIN_LOG", log)

	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	recipient := plugin.EncodeRecipient(fakePluginName, priv.PublicKey().Bytes())
	identity := plugin.EncodeIdentity(fakePluginName, priv.Bytes())
	if err := ParseAgeRecipient(recipient); err != nil {
		t.Fatal(err)
	}
	enc, err := WrapAge(dataKey(), recipient)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(must(dearmor([]byte(enc)))), "-> hushtest-x25519 ") {
		t.Fatal("stanza not made by the plugin")
	}

	nativeID, nativeR := mustKey(t)
	set, err := Load(LoadOptions{Getenv: envOf(map[string]string{"SOPS_AGE_KEY": identity + "\n" + nativeID}), NoDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	if d := set.Describe(); len(d) != 2 || d[0] != "age plugin identity for age-plugin-hushtest (from $SOPS_AGE_KEY)" {
		t.Fatalf("Describe = %q", d)
	}
	if r := set.AgeRecipients(); len(r) != 1 || r[0] != nativeR {
		t.Fatalf("AgeRecipients = %q (plugin identities have no fixed recipient)", r)
	}

	// A file for the native key does not start the plugin, though it is listed first.
	os.Remove(log)
	nativeEnc, _ := WrapAge(dataKey(), nativeR)
	if k, err := set.UnwrapAge([]byte(nativeEnc)); err != nil || !bytes.Equal(k, dataKey()) {
		t.Fatalf("native: %v", err)
	}
	if _, err := os.Stat(log); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("plugin was started for a file a native key opens")
	}
	// The plugin's file goes through the plugin.
	if k, err := set.UnwrapAge([]byte(enc)); err != nil || !bytes.Equal(k, dataKey()) {
		t.Fatalf("plugin: %v", err)
	}
	if b, _ := os.ReadFile(log); !bytes.Contains(b, []byte("identity-v1")) {
		t.Fatalf("plugin log: %q", b)
	}

	// A plugin that is not installed: a clear error at use, not at parse.
	missing := plugin.EncodeRecipient("hushmissing", priv.PublicKey().Bytes())
	if err := ParseAgeRecipient(missing); err != nil {
		t.Fatal(err)
	}
	if _, err := WrapAge(dataKey(), missing); err == nil || !strings.Contains(err.Error(), "age-plugin-hushmissing") {
		t.Fatalf("missing plugin: %v", err)
	}
}

func TestAgePluginParsing(t *testing.T) {
	for _, bad := range []string{"age1hush1", "age1!!1qqqq", "AGE-PLUGIN-"} {
		if err := ParseAgeRecipient(bad); err == nil {
			t.Errorf("recipient %q accepted", bad)
		}
	}
	if _, err := ParseIdentities([]byte("AGE-PLUGIN-HUSH-1XYZ\n"), "x", false); err == nil {
		t.Error("malformed plugin identity accepted")
	}
}
