package sopsfile

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func testKey() []byte {
	k := make([]byte, 32)
	for i := range k {
		k[i] = byte(i)
	}
	return k
}

func testIV() []byte {
	iv := make([]byte, 32)
	for i := range iv {
		iv[i] = byte(100 + i)
	}
	return iv
}

// Vectors computed independently with Python's cryptography (AESGCM), key 00..1f,
// nonce 100..131.
func TestCipherVectors(t *testing.T) {
	c, err := newValueCipher(testKey())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		v   any
		ad  string
		enc string
	}{
		{"hello", "a:b:", "ENC[AES256_GCM,data:oiS/qyc=,iv:ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM=,tag:/nJZv+oICGo1fj376wwyOA==,type:str]"},
		{true, "x:", "ENC[AES256_GCM,data:njOmog==,iv:ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM=,tag:Cfa7xfIfDwz/2MP1fnMHYg==,type:bool]"},
		{1.5, "f:", "ENC[AES256_GCM,data:+2/m,iv:ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM=,tag:p2M7rRmjuaRa0uN4YK4Q+Q==,type:float]"},
		{Comment{Value: " a comment"}, ":", "ENC[AES256_GCM,data:6iDzpCdznhAsDw==,iv:ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM=,tag:jvayTyepH9igGlvnkKK9HQ==,type:comment]"},
	} {
		got, err := c.encryptValue(tc.v, []byte(tc.ad), testIV())
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.enc {
			t.Errorf("encrypt %T: got %s, want %s", tc.v, got, tc.enc)
		}
		back, err := c.decryptValue(tc.enc, []byte(tc.ad))
		if err != nil {
			t.Fatalf("decrypt %T: %v", tc.v, err)
		}
		if !treesEqual(back, tc.v) {
			t.Errorf("decrypt %T: round trip differs", tc.v)
		}
	}
}

func TestCipherTypes(t *testing.T) {
	c, _ := newValueCipher(testKey())
	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, tc := range []struct {
		v        any
		typ, pt  string
		backWant any
	}{
		{"s", "str", "s", "s"},
		{"multi\nline ✓", "str", "multi\nline ✓", "multi\nline ✓"},
		{42, "int", "42", 42},
		{-7, "int", "-7", -7},
		{1.5, "float", "1.5", 1.5},
		{1e30, "float", "1000000000000000000000000000000", 1e30},
		{0.1, "float", "0.1", 0.1},
		{true, "bool", "True", true},
		{false, "bool", "False", false},
		{[]byte("raw"), "str", "raw", "raw"},
		{now, "time", "2024-05-06T07:08:09Z", now},
		{Comment{Value: "c"}, "comment", "c", Comment{Value: "c"}},
	} {
		enc, err := c.encryptValue(tc.v, []byte("k:"), nil)
		if err != nil {
			t.Fatalf("%T: %v", tc.v, err)
		}
		if !strings.HasSuffix(enc, ",type:"+tc.typ+"]") {
			t.Errorf("%T %v: type of %s, want %s", tc.v, tc.v, enc[strings.LastIndex(enc, ","):], tc.typ)
		}
		pt, typ, err := c.open(enc, []byte("k:"))
		if err != nil || typ != tc.typ || string(pt) != tc.pt {
			t.Errorf("%T: opened %q/%s (%v), want %q/%s", tc.v, pt, typ, err, tc.pt, tc.typ)
		}
		back, err := c.decryptValue(enc, []byte("k:"))
		if err != nil || !treesEqual(back, tc.backWant) {
			t.Errorf("%T: decrypts to %T (%v)", tc.v, back, err)
		}
	}
	// Empty values are not encrypted, and "" decrypts to "".
	for _, v := range []any{"", []byte{}, Comment{}} {
		enc, err := c.encryptValue(v, []byte("k:"), nil)
		if err != nil || enc != "" {
			t.Errorf("empty %T: got %q, %v", v, enc, err)
		}
	}
	if v, err := c.decryptValue("", []byte("k:")); err != nil || v != "" {
		t.Errorf(`decrypt "": %v, %v`, v, err)
	}
	if _, err := c.encryptValue(int64(1), nil, nil); err == nil {
		t.Error("int64 accepted")
	}
}

func TestCipherDecodesSopsSpellings(t *testing.T) {
	c, _ := newValueCipher(testKey())
	seal := func(pt, typ string) string {
		out := c.aead.Seal(nil, testIV(), []byte(pt), []byte("k:"))
		return formatEnc(out[:len(out)-16], testIV(), out[len(out)-16:], typ)
	}
	for _, tc := range []struct {
		pt, typ string
		want    any
	}{
		{"True", "bool", true}, {"true", "bool", true}, {"1", "bool", true}, {"False", "bool", false},
		{"1.50", "float", 1.5}, {"3", "float", 3.0}, {"007", "int", 7},
		{"\x00\xff", "bytes", []byte{0, 0xff}},
	} {
		v, err := c.decryptValue(seal(tc.pt, tc.typ), []byte("k:"))
		if err != nil || !treesEqual(v, tc.want) {
			t.Errorf("%s %q: got %v (%v)", tc.typ, tc.pt, v, err)
		}
	}
	for _, bad := range []struct{ pt, typ string }{{"yes", "bool"}, {"1.5", "int"}, {"x", "float"}, {"x", "nope"}} {
		if _, err := c.decryptValue(seal(bad.pt, bad.typ), []byte("k:")); err == nil {
			t.Errorf("%s %q accepted", bad.typ, bad.pt)
		} else if strings.Contains(err.Error(), bad.pt) && len(bad.pt) > 1 {
			t.Errorf("error quotes the plaintext: %v", err)
		}
	}
}

func TestCipherRejects(t *testing.T) {
	c, _ := newValueCipher(testKey())
	good, _ := c.encryptValue("secret", []byte("a:"), nil)
	cases := map[string]string{
		"plain":        "secret",
		"wrong prefix": strings.Replace(good, "AES256_GCM", "AES128_GCM", 1),
		"no type":      good[:strings.LastIndex(good, ",type:")] + "]",
		"bad base64":   strings.Replace(good, "data:", "data:!", 1),
		"short tag":    strings.Replace(good, ",tag:", ",tag:AAAA", 1),
		"newline":      strings.Replace(good, "data:", "data:\n", 1),
	}
	for name, s := range cases {
		if _, err := c.decryptValue(s, []byte("a:")); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: error quotes the value: %v", name, err)
		}
	}
	// Another key path (additional data) or another key fails authentication.
	if _, err := c.decryptValue(good, []byte("b:")); !errors.Is(err, errAuth) {
		t.Errorf("other path: %v", err)
	}
	k2 := testKey()
	k2[0] ^= 1
	c2, _ := newValueCipher(k2)
	if _, err := c2.decryptValue(good, []byte("a:")); !errors.Is(err, errAuth) {
		t.Errorf("other key: %v", err)
	}
	if _, err := newValueCipher(make([]byte, 16)); err == nil {
		t.Error("16-byte key accepted")
	}
}

func TestParseEncGreedy(t *testing.T) {
	p, ok := parseEnc("ENC[AES256_GCM,data:AA==,iv:BB==,tag:CC==,type:str]")
	if !ok || p.data != "AA==" || p.iv != "BB==" || p.tag != "CC==" || p.typ != "str" {
		t.Fatalf("%+v %v", p, ok)
	}
	for _, s := range []string{"ENC[AES256_GCM,data:,iv:B,tag:C,type:str]", "ENC[AES256_GCM,data:A,iv:B,tag:C,type:]", "ENC[AES256_GCM,data:A,iv:B,tag:C,type:str"} {
		if _, ok := parseEnc(s); ok {
			t.Errorf("%q accepted", s)
		}
	}
}
