package cli

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestRedactInteractivePrompt runs a real command through the hush binary (testscript puts
// it on PATH) whose prompt has no newline and ends in bytes that could begin a secret
// ("tok_"), then waits for an answer. The prompt must reach the terminal while the command
// waits: if hush held it back for more input, the command would never get its answer. The
// bound is generous (5 s against the 100 ms idle flush) and only decides failure; nothing
// is timed.
func TestRedactInteractivePrompt(t *testing.T) {
	dir := t.TempDir()
	values := filepath.Join(dir, "values")
	if err := os.WriteFile(values, []byte("tok_ABCDEFGHIJKLMNOP\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	script := `printf 'token? tok_'; read reply; echo "you said $reply"; echo 'tok_ABCDEFGHIJKLMNOP done'`
	cmd := exec.Command("hush", "redact", "--values-file", values, "--", "sh", "-c", script)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	chunks := make(chan []byte)
	go func() {
		defer close(chunks)
		buf := make([]byte, 4096)
		for {
			n, err := stdout.Read(buf)
			if n > 0 {
				chunks <- append([]byte(nil), buf[:n]...)
			}
			if err != nil {
				return
			}
		}
	}()
	var got []byte
	readUntil := func(want string) {
		t.Helper()
		deadline := time.After(5 * time.Second)
		for !bytes.Contains(got, []byte(want)) {
			select {
			case c, ok := <-chunks:
				if !ok {
					t.Fatalf("output ended before %q; got %q; stderr %q", want, got, stderr.String())
				}
				got = append(got, c...)
			case <-deadline:
				t.Fatalf("%q held back (the command waits for an answer); got %q", want, got)
			}
		}
	}
	readUntil("token? tok_")
	if _, err := io.WriteString(stdin, "yes\n"); err != nil {
		t.Fatal(err)
	}
	stdin.Close()
	readUntil(" done\n")
	for c := range chunks {
		got = append(got, c...)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("hush redact: %v; stderr %q", err, stderr.String())
	}
	want := "token? tok_you said yes\n[hush:values:1] done\n"
	if string(got) != want {
		t.Errorf("output %q, want %q", got, want)
	}
}
