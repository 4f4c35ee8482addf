package install

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// encodeStatus writes status.json. The per-secret array is written by hand: for 10,000
// entries encoding/json's reflection costs more than the rest of a one-file-changed run's
// bookkeeping. The output is plain JSON that ReadStatus (encoding/json) reads back.
func encodeStatus(st *Status) ([]byte, error) {
	head := *st
	head.Secrets = nil
	b, err := json.Marshal(&head)
	if err != nil {
		return nil, err
	}
	// b ends with `"secrets":null}`: replace the null with the array.
	const tail = `"secrets":null}`
	if len(b) < len(tail) || string(b[len(b)-len(tail):]) != tail {
		return json.Marshal(st)
	}
	// One allocation for the whole record: an entry's fixed part (field names, numbers, a
	// timestamp) is under 200 bytes; strings may need escaping, which append absorbs.
	size := len(b) + 16
	for i := range st.Secrets {
		s := &st.Secrets[i]
		size += 200 + len(s.Name) + len(s.Source) + len(s.Key) + len(s.Target) + len(s.Link) + len(s.Mode) + len(s.Reason) + len(s.ContentKey)
	}
	nb := make([]byte, 0, size)
	b = append(append(nb, b[:len(b)-len(tail)]...), `"secrets":[`...)
	for i := range st.Secrets {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendSecretStatus(b, &st.Secrets[i])
	}
	return append(b, "]}"...), nil
}

func appendSecretStatus(b []byte, s *SecretStatus) []byte {
	field := func(name string) { b = append(append(append(b, `,"`...), name...), `":`...) }
	b = append(b, `{"name":`...)
	b = appendJSONString(b, s.Name)
	if s.Template {
		field("template")
		b = append(b, "true"...)
	}
	for _, f := range [...]struct{ name, v string }{{"source", s.Source}, {"key", s.Key}} {
		if f.v != "" {
			field(f.name)
			b = appendJSONString(b, f.v)
		}
	}
	field("target")
	b = appendJSONString(b, s.Target)
	if s.Link != "" {
		field("link")
		b = appendJSONString(b, s.Link)
	}
	field("uid")
	b = strconv.AppendInt(b, int64(s.UID), 10)
	field("gid")
	b = strconv.AppendInt(b, int64(s.GID), 10)
	field("mode")
	b = appendJSONString(b, s.Mode)
	field("state")
	b = appendJSONString(b, string(s.State))
	for _, f := range [...]struct{ name, v string }{{"reason", s.Reason}, {"contentKey", s.ContentKey}} {
		if f.v != "" {
			field(f.name)
			b = appendJSONString(b, f.v)
		}
	}
	field("changed")
	b = append(b, '"')
	b = s.Changed.AppendFormat(b, time.RFC3339Nano)
	return append(b, `"}`...)
}

// appendJSONString quotes s as a JSON string (encoding/json for anything not plain UTF-8).
func appendJSONString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		q, _ := json.Marshal(s)
		return append(b, q...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, `\u00`...)
			b = append(b, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
