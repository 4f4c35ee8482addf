package leak_test

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/hush-nix/hush/internal/leak"
)

// A Redactor in front of a logger's output: whatever a log line carries, no secret value
// reaches the log.
func ExampleNewRedactor() {
	set, err := leak.NewPatternSet([]leak.Secret{{Name: "db/password", Value: []byte("s3cr3t-database-password")}}, leak.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	w := leak.NewRedactor(os.Stdout, set)
	defer w.Close()
	log := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // stable example output
			}
			return a
		},
	}))
	log.Info("connecting", "dsn", "postgres://app:s3cr3t-database-password@db/app")
	// Output:
	// level=INFO msg=connecting dsn=postgres://app:[hush:db/password]@db/app
}
