package nixtest

import (
	"crypto/subtle"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
)

// AuthServer is a loopback HTTP server that serves Body at any path, but only to a request
// that carries the credential: basic auth User:Password, or the header "Authorization:
// Bearer Token".
type AuthServer struct {
	URL            string // http://127.0.0.1:PORT
	User, Password string
	Token          string
	Body           []byte
	Granted        atomic.Int64 // requests served
	Refused        atomic.Int64 // requests without the credential
}

// NewAuthServer starts the server on 127.0.0.1 and stops it at the end of the test.
func NewAuthServer(t testing.TB, user, password, token string, body []byte) *AuthServer {
	t.Helper()
	s := &AuthServer{User: user, Password: password, Token: token, Body: body}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: s}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	s.URL = "http://" + ln.Addr().String()
	return s
}

func (s *AuthServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ok := false
	if u, p, has := r.BasicAuth(); has && s.User != "" {
		ok = subtle.ConstantTimeCompare([]byte(u), []byte(s.User)) == 1 &&
			subtle.ConstantTimeCompare([]byte(p), []byte(s.Password)) == 1
	}
	if !ok && s.Token != "" {
		ok = subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte("Bearer "+s.Token)) == 1
	}
	if !ok {
		s.Refused.Add(1)
		w.Header().Set("WWW-Authenticate", `Basic realm="hush-test"`)
		http.Error(w, "credential required", http.StatusUnauthorized)
		return
	}
	s.Granted.Add(1)
	w.Write(s.Body)
}
