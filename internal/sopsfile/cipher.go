package sopsfile

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The value cipher: every value of a sops file is sealed on its own with AES-256-GCM under the
// file's data key, a random 32-byte nonce, and the value's key path ("a:b:") as additional
// data, then written as
//
//	ENC[AES256_GCM,data:<b64>,iv:<b64>,tag:<b64>,type:<str|int|float|bool|bytes|time|comment>]
//
// Empty strings (and empty comments) are never encrypted: sops writes them as "" and reads ""
// back as "", so we do the same.

const (
	nonceSize = 32
	tagSize   = 16
	encPrefix = "ENC[AES256_GCM,data:"
)

// errAuth is returned when GCM refuses a value: wrong data key, or the value, its iv, tag or
// key path was changed.
var errAuth = errors.New("authentication failed (value tampered with, moved to another key, or wrong data key)")

// valueCipher seals and opens values for one data key. The AEAD is built once per file, which
// matters for files with many values. A valueCipher is not safe for concurrent use: it keeps
// scratch buffers.
type valueCipher struct {
	block cipher.Block
	aead  cipher.AEAD          // for the 32-byte nonces sops always writes
	buf   []byte               // scratch: decoded ciphertext||tag, then plaintext
	iv    [nonceSize + 16]byte // room for base64's DecodedLen slack
}

func newValueCipher(key []byte) (*valueCipher, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("data key is %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCMWithNonceSize(block, nonceSize)
	if err != nil {
		return nil, err
	}
	return &valueCipher{block: block, aead: aead}, nil
}

// wipe clears the scratch buffer, which held plaintext.
func (c *valueCipher) wipe() { clear(c.buf[:cap(c.buf)]) }

// encParts are the fields of an ENC[...] string, still base64.
type encParts struct{ data, iv, tag, typ string }

// isEncrypted reports whether s looks like an ENC[...] value.
func isEncrypted(s string) bool { return strings.HasPrefix(s, encPrefix) }

// parseEnc splits an ENC[...] string. sops matches
// `^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]` with greedy groups; since the
// base64 fields cannot hold a comma and no type name does, a forward scan accepts exactly the
// strings sops can decrypt (anything else fails there at base64 or type, and here at once).
func parseEnc(s string) (encParts, bool) {
	if !strings.HasPrefix(s, encPrefix) {
		return encParts{}, false
	}
	rest := s[len(encPrefix):]
	field := func(next string) (string, bool) {
		i := strings.IndexByte(rest, ',')
		if i <= 0 || !strings.HasPrefix(rest[i+1:], next) {
			return "", false
		}
		f := rest[:i]
		if strings.ContainsAny(f, "\n\r") {
			return "", false // sops' "." does not match them; base64 would skip them
		}
		rest = rest[i+1+len(next):]
		return f, true
	}
	var p encParts
	var ok bool
	if p.data, ok = field("iv:"); !ok {
		return encParts{}, false
	}
	if p.iv, ok = field("tag:"); !ok {
		return encParts{}, false
	}
	if p.tag, ok = field("type:"); !ok {
		return encParts{}, false
	}
	end := strings.IndexByte(rest, ']')
	if end <= 0 || strings.ContainsAny(rest[:end], ",\n\r") {
		return encParts{}, false
	}
	p.typ = rest[:end]
	return p, true
}

// open decrypts an ENC[...] string to its plaintext bytes (valid until the next call) and
// its type. Errors never include the value.
func (c *valueCipher) open(s string, ad []byte) ([]byte, string, error) {
	p, ok := parseEnc(s)
	if !ok {
		return nil, "", errors.New("value is not in sops' ENC[AES256_GCM,...] format")
	}
	dl := base64.StdEncoding.DecodedLen(len(p.data))
	tl := base64.StdEncoding.DecodedLen(len(p.tag))
	if cap(c.buf) < dl+tl {
		c.wipe()
		c.buf = make([]byte, dl+tl+64)
	}
	buf := c.buf[:dl+tl]
	n, err := base64.StdEncoding.Decode(buf, []byte(p.data))
	if err != nil {
		return nil, "", errors.New("bad base64 in data")
	}
	m, err := base64.StdEncoding.Decode(buf[n:], []byte(p.tag))
	if err != nil {
		return nil, "", errors.New("bad base64 in tag")
	}
	if m != tagSize {
		return nil, "", fmt.Errorf("tag is %d bytes, want %d", m, tagSize)
	}
	ct := buf[:n+m]
	aead := c.aead
	var iv []byte
	if base64.StdEncoding.DecodedLen(len(p.iv)) <= len(c.iv) {
		k, err := base64.StdEncoding.Decode(c.iv[:], []byte(p.iv))
		if err != nil {
			return nil, "", errors.New("bad base64 in iv")
		}
		iv = c.iv[:k]
	} else {
		iv, err = base64.StdEncoding.DecodeString(p.iv)
		if err != nil {
			return nil, "", errors.New("bad base64 in iv")
		}
	}
	if len(iv) != nonceSize {
		// sops accepts any nonce length; we do too, on the slow path.
		if len(iv) == 0 {
			return nil, "", errors.New("empty iv")
		}
		aead, err = cipher.NewGCMWithNonceSize(c.block, len(iv))
		if err != nil {
			return nil, "", err
		}
	}
	pt, err := aead.Open(ct[:0], iv, ct, ad)
	if err != nil {
		return nil, "", errAuth
	}
	return pt, p.typ, nil
}

// decryptValue opens an ENC[...] string and converts it to the tree value for its type.
// An empty string decrypts to "" (sops never encrypts empty strings).
func (c *valueCipher) decryptValue(s string, ad []byte) (any, error) {
	if s == "" {
		return "", nil
	}
	pt, typ, err := c.open(s, ad)
	if err != nil {
		return nil, err
	}
	return typedValue(pt, typ)
}

// typedValue converts decrypted bytes to a tree value as sops does for each type.
func typedValue(pt []byte, typ string) (any, error) {
	switch typ {
	case "str":
		return string(pt), nil
	case "int":
		n, err := strconv.Atoi(string(pt))
		if err != nil {
			return nil, errors.New("type int: not an integer")
		}
		return n, nil
	case "float":
		f, err := strconv.ParseFloat(string(pt), 64)
		if err != nil {
			return nil, errors.New("type float: not a number")
		}
		return f, nil
	case "bool":
		b, err := strconv.ParseBool(string(pt))
		if err != nil {
			return nil, errors.New("type bool: not a boolean")
		}
		return b, nil
	case "bytes":
		return append([]byte(nil), pt...), nil
	case "time":
		var t time.Time
		if err := t.UnmarshalText(pt); err != nil {
			return nil, errors.New("type time: not an RFC 3339 time")
		}
		return t, nil
	case "comment":
		return Comment{Value: string(pt)}, nil
	}
	return nil, fmt.Errorf("unknown value type %q", typ)
}

// plainBytes is the byte form of a value, as sops encrypts it and feeds it to the MAC
// (sops' ToBytes): floats without trailing zeros, booleans as True/False.
func plainBytes(dst []byte, v any) ([]byte, string, error) {
	switch v := v.(type) {
	case string:
		return append(dst, v...), "str", nil
	case []byte:
		// sops turns []byte into a string before encrypting.
		return append(dst, v...), "str", nil
	case int:
		return strconv.AppendInt(dst, int64(v), 10), "int", nil
	case float64:
		return strconv.AppendFloat(dst, v, 'f', -1, 64), "float", nil
	case bool:
		if v {
			return append(dst, "True"...), "bool", nil
		}
		return append(dst, "False"...), "bool", nil
	case time.Time:
		b, err := v.MarshalText()
		if err != nil {
			return nil, "", fmt.Errorf("time value: %w", err)
		}
		return append(dst, b...), "time", nil
	case Comment:
		return append(dst, v.Value...), "comment", nil
	}
	return nil, "", fmt.Errorf("value of unsupported type %T", v)
}

// isEmptyValue reports the values sops leaves as they are instead of encrypting.
func isEmptyValue(v any) bool {
	switch v := v.(type) {
	case string:
		return v == ""
	case []byte:
		return len(v) == 0
	case Comment:
		return v.Value == ""
	}
	return false
}

// encryptValue seals v. iv nil means a fresh random nonce; a non-nil iv is only ever passed for
// the same plaintext and additional data it was first used with (see stash in encrypt.go).
func (c *valueCipher) encryptValue(v any, ad []byte, iv []byte) (string, error) {
	if isEmptyValue(v) {
		return "", nil
	}
	pt, typ, err := plainBytes(c.buf[:0], v)
	if err != nil {
		return "", err
	}
	defer clear(pt)
	if cap(pt) > cap(c.buf) {
		c.buf = pt[:0]
	}
	if iv == nil {
		if _, err := rand.Read(c.iv[:nonceSize]); err != nil {
			return "", fmt.Errorf("reading random nonce: %w", err)
		}
		iv = c.iv[:nonceSize]
	}
	aead := c.aead
	if len(iv) != nonceSize {
		aead, err = cipher.NewGCMWithNonceSize(c.block, len(iv))
		if err != nil {
			return "", err
		}
	}
	out := aead.Seal(nil, iv, pt, ad)
	return formatEnc(out[:len(out)-tagSize], iv, out[len(out)-tagSize:], typ), nil
}

func formatEnc(data, iv, tag []byte, typ string) string {
	enc := base64.StdEncoding
	var b strings.Builder
	b.Grow(len(encPrefix) + enc.EncodedLen(len(data)) + enc.EncodedLen(len(iv)) + enc.EncodedLen(len(tag)) + len(typ) + 16)
	b.WriteString(encPrefix)
	b.WriteString(enc.EncodeToString(data))
	b.WriteString(",iv:")
	b.WriteString(enc.EncodeToString(iv))
	b.WriteString(",tag:")
	b.WriteString(enc.EncodeToString(tag))
	b.WriteString(",type:")
	b.WriteString(typ)
	b.WriteString("]")
	return b.String()
}
