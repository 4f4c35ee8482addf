package keys

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// $SOPS_AGE_KEY_CMD and $SOPS_AGE_SSH_PRIVATE_KEY_CMD: commands that print identities (a
// password manager, a hardware token helper). sops splits them into words without a shell
// (shlex) and runs them per master key with $SOPS_AGE_RECIPIENT set; hush loads identities
// once, so it runs each command once, with $SOPS_AGE_RECIPIENT empty.

// splitCommand splits a command line into words: blanks separate, single quotes are literal,
// double quotes allow backslash escapes, a backslash outside quotes escapes the next
// character. No variables, globs or pipes, as with sops.
func splitCommand(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\\':
			if i+1 >= len(s) {
				return nil, errors.New("trailing backslash")
			}
			i++
			cur.WriteByte(s[i])
			inWord = true
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("unterminated single quote")
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New("unterminated double quote")
			}
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	if len(words) == 0 {
		return nil, errors.New("empty command")
	}
	return words, nil
}

// runKeyCommand runs one of the key commands and returns its standard output. Its errors
// carry the command's standard error, which is the tool's message, not key material.
func runKeyCommand(envName, command string) ([]byte, error) {
	words, err := splitCommand(command)
	if err != nil {
		return nil, fmt.Errorf("$%s: %w", envName, err)
	}
	cmd := exec.Command(words[0], words[1:]...)
	cmd.Env = append(os.Environ(), "SOPS_AGE_RECIPIENT=")
	cmd.Stdin = nil
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		clear(out.Bytes())
		return nil, fmt.Errorf("$%s (%s): %v: %s", envName, words[0], err, lastLines(strings.TrimSpace(errb.String()), 3))
	}
	return out.Bytes(), nil
}
