package manifest

import "encoding/json"

// MarshalJSON writes a template in hush's format. Content and File are alternatives, and an
// empty Content is a valid template, so Content is written exactly when File is empty:
// json.Marshal of a parsed hush manifest parses back to the same manifest.
func (t Template) MarshalJSON() ([]byte, error) {
	type plain Template // no methods: no recursion
	if t.File != "" {
		return json.Marshal(plain(t))
	}
	return json.Marshal(struct {
		Name    string `json:"name"`
		Content string `json:"content"`
		FileAttrs
	}{t.Name, t.Content, t.FileAttrs})
}
