package sopsfile

import (
	"bytes"
	"testing"
)

func TestBinaryStore(t *testing.T) {
	raw := []byte("\x00\xffany bytes\n{\"sops\": not json")
	docs, err := binaryStore{}.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	out, err := binaryStore{}.Emit(docs)
	if err != nil || !bytes.Equal(out, raw) {
		t.Fatalf("plain round trip failed: %v", err)
	}
	enc := []byte("{\n\t\"data\": \"ENC[x]\",\n\t\"sops\": {\n\t\t\"version\": \"3.13.3\"\n\t}\n}\n")
	docs, err = binaryStore{}.Parse(enc)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := docs[0].Get("sops"); !ok {
		t.Fatal("encrypted form not recognised")
	}
	out, err = binaryStore{}.Emit(docs)
	if err != nil || !bytes.Equal(out, enc) {
		t.Fatalf("encrypted round trip failed: %v", err)
	}
	if p := parseBinaryPlain(enc); !bytes.Equal([]byte(p[0][0].Value.(string)), enc) {
		t.Fatal("parseBinaryPlain")
	}
	if _, err := (binaryStore{}).EmitValue(1); err == nil {
		t.Fatal("EmitValue of a number")
	}
}
