package api

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/dispatch"
)

var (
	testKey  = bytes.Repeat([]byte("k"), 32)
	otherKey = bytes.Repeat([]byte("o"), 32)
	t0       = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	chief    = dispatch.Actor{Role: dispatch.RoleGridChief, Unit: "370781006033001", Subject: "P0001"}
)

func newTokens(t testing.TB, key []byte) *Tokens {
	t.Helper()
	tk, err := NewTokens(key)
	require.NoError(t, err)
	return tk
}

func issue(t testing.TB, tk *Tokens, a dispatch.Actor, ttl time.Duration, now time.Time) string {
	t.Helper()
	tok, err := tk.Issue(a, ttl, now)
	require.NoError(t, err)
	return tok
}

// sign builds a token from raw claims JSON with key, as Issue would but without its checks.
func sign(key []byte, claims string) string {
	return signPayload(key, base64.RawURLEncoding.EncodeToString([]byte(claims)))
}

// signPayload signs payload, the text between the prefix and the signature, as it stands.
func signPayload(key []byte, payload string) string {
	signed := "gg1." + payload
	m := hmac.New(sha256.New, key)
	m.Write([]byte(signed))
	return signed + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func TestNewTokensKeyLength(t *testing.T) {
	_, err := NewTokens(make([]byte, 31))
	assert.ErrorContains(t, err, "at least 32")
	_, err = NewTokens(nil)
	assert.Error(t, err)
	_, err = NewTokens(make([]byte, 64))
	assert.NoError(t, err)
}

func TestTokenRoundTrip(t *testing.T) {
	tk := newTokens(t, testKey)
	for _, r := range dispatch.Roles {
		t.Run(string(r), func(t *testing.T) {
			a := dispatch.Actor{Role: r, Unit: "370781006", Subject: string(r) + ":370781006"}
			tok := issue(t, tk, a, time.Hour, t0)
			assert.True(t, strings.HasPrefix(tok, "gg1."), tok)
			assert.Equal(t, 2, strings.Count(tok, "."))
			got, err := tk.Verify(tok, t0.Add(59*time.Minute))
			require.NoError(t, err)
			assert.Equal(t, a, got)
		})
	}

	// The claims are plain JSON in base64url.
	tok := issue(t, tk, chief, 24*time.Hour, t0)
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	require.NoError(t, err)
	assert.JSONEq(t, `{"role":"grid_chief","unit":"370781006033001","sub":"P0001","iat":1772442000,"exp":1772528400}`,
		string(raw))
	// Another instance over the same key accepts it; the key is copied, not shared.
	key := bytes.Clone(testKey)
	tk2 := newTokens(t, key)
	key[0] ^= 1
	_, err = tk2.Verify(tok, t0)
	assert.NoError(t, err)
}

func TestTokenIssueRefuses(t *testing.T) {
	tk := newTokens(t, testKey)
	for name, tc := range map[string]struct {
		a   dispatch.Actor
		ttl time.Duration
	}{
		"system role":  {dispatch.Actor{Role: "system", Unit: "370781006", Subject: "s"}, time.Hour},
		"unknown role": {dispatch.Actor{Role: "mayor", Unit: "370781006", Subject: "s"}, time.Hour},
		"empty unit":   {dispatch.Actor{Role: dispatch.RoleAdmin, Subject: "s"}, time.Hour},
		"empty sub":    {dispatch.Actor{Role: dispatch.RoleAdmin, Unit: "370781"}, time.Hour},
		"long sub":     {dispatch.Actor{Role: dispatch.RoleAdmin, Unit: "370781", Subject: strings.Repeat("s", 257)}, time.Hour},
		"zero ttl":     {chief, 0},
		"negative ttl": {chief, -time.Hour},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := tk.Issue(tc.a, tc.ttl, t0)
			assert.Error(t, err)
		})
	}
	_, err := (*Tokens)(nil).Issue(chief, time.Hour, t0)
	assert.Error(t, err)
}

func TestTokenVerifyRejects(t *testing.T) {
	tk := newTokens(t, testKey)
	good := issue(t, tk, chief, time.Hour, t0)
	prefix, payload, sig := "gg1.", strings.Split(good, ".")[1], strings.Split(good, ".")[2]
	flip := func(s string, i int) string { // change one base64url character
		c := byte('A')
		if s[i] == 'A' {
			c = 'B'
		}
		return s[:i] + string(c) + s[i+1:]
	}
	claims := func(role, unit string, iat, exp time.Time) string {
		return sign(testKey, `{"role":"`+role+`","unit":"`+unit+`","sub":"x","iat":`+
			jsonInt(iat.Unix())+`,"exp":`+jsonInt(exp.Unix())+`}`)
	}
	padded := func(n int) string { // a genuine token of about n bytes
		return sign(testKey, `{"role":"admin","unit":"370781","sub":"x","iat":`+jsonInt(t0.Unix())+
			`,"exp":`+jsonInt(t0.Add(time.Hour).Unix())+`,"pad":"`+strings.Repeat("p", n*3/4-110)+`"}`)
	}
	require.Less(t, len(padded(2000)), 2048)
	_, err := tk.Verify(padded(2000), t0)
	require.NoError(t, err, "unknown claims are ignored and size alone decides the next case")
	require.Greater(t, len(padded(2100)), 2048)

	cases := []struct {
		name  string
		token string
		now   time.Time
		want  error
	}{
		{"tampered payload", prefix + flip(payload, 10) + "." + sig, t0, ErrTokenInvalid},
		{"tampered signature", prefix + payload + "." + flip(sig, 5), t0, ErrTokenInvalid},
		{"signature of another payload", prefix + payload + "." +
			strings.Split(issue(t, tk, chief, 2*time.Hour, t0), ".")[2], t0, ErrTokenInvalid},
		{"truncated signature", good[:len(good)-2], t0, ErrTokenInvalid},
		{"no signature", prefix + payload, t0, ErrTokenInvalid},
		{"empty signature", prefix + payload + ".", t0, ErrTokenInvalid},
		{"extra part", good + ".x", t0, ErrTokenInvalid},
		{"another key", issue(t, newTokens(t, otherKey), chief, time.Hour, t0), t0, ErrTokenInvalid},
		{"expired", good, t0.Add(time.Hour), ErrTokenExpired},
		{"long expired", good, t0.Add(1000 * time.Hour), ErrTokenExpired},
		{"issued in the future", good, t0.Add(-6 * time.Minute), ErrTokenInvalid},
		{"wrong prefix", "gg2." + payload + "." + sig, t0, ErrTokenInvalid},
		{"no prefix", payload + "." + sig, t0, ErrTokenInvalid},
		{"upper-case prefix", "GG1." + payload + "." + sig, t0, ErrTokenInvalid},
		{"unknown role", claims("mayor", "370781", t0, t0.Add(time.Hour)), t0, ErrTokenInvalid},
		{"system role", claims("system", "370781", t0, t0.Add(time.Hour)), t0, ErrTokenInvalid},
		{"empty role", claims("", "370781", t0, t0.Add(time.Hour)), t0, ErrTokenInvalid},
		{"empty unit", claims("admin", "", t0, t0.Add(time.Hour)), t0, ErrTokenInvalid},
		{"expiry before issue", claims("admin", "370781", t0, t0.Add(-time.Hour)), t0, ErrTokenInvalid},
		{"oversized", padded(2100), t0, ErrTokenInvalid},
		{"garbage base64 signature", prefix + payload + ".!!!*", t0, ErrTokenInvalid},
		{"garbage base64 payload", signPayload(testKey, "%%%%"), t0, ErrTokenInvalid},
		{"padded base64 payload", signPayload(testKey, payload+"=="), t0, ErrTokenInvalid},
		{"padded base64", prefix + payload + "." + sig + "=", t0, ErrTokenInvalid},
		{"newlines in the signature", prefix + payload + "." + sig[:8] + "\n\r\n" + sig[8:], t0, ErrTokenInvalid},
		{"newline in the payload", prefix + payload[:8] + "\n" + payload[8:] + "." + sig, t0, ErrTokenInvalid},
		{"trailing newline", good + "\n", t0, ErrTokenInvalid},
		{"space inside", prefix + payload + ". " + sig, t0, ErrTokenInvalid},
		{"signed non-JSON", sign(testKey, "not json"), t0, ErrTokenInvalid},
		{"signed JSON of the wrong shape", sign(testKey, `{"role":1}`), t0, ErrTokenInvalid},
		{"empty", "", t0, ErrTokenInvalid},
		{"prefix only", "gg1.", t0, ErrTokenInvalid},
		{"dots", "gg1..", t0, ErrTokenInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := tk.Verify(tc.token, tc.now)
			assert.ErrorIs(t, err, tc.want)
			assert.Zero(t, a)
		})
	}

	// Within the skew a token from a clock a little ahead is fine, and it is valid until its expiry.
	for _, now := range []time.Time{t0.Add(-5 * time.Minute), t0, t0.Add(time.Hour - time.Second)} {
		_, err := tk.Verify(good, now)
		assert.NoError(t, err, now)
	}
	_, err = (*Tokens)(nil).Verify(good, t0)
	assert.ErrorIs(t, err, ErrTokenInvalid, "a server without a key accepts no token")
}

// A signature with the same bytes but other unused trailing bits is refused: a token has one spelling.
func TestTokenNonCanonicalBase64(t *testing.T) {
	tk := newTokens(t, testKey)
	good := issue(t, tk, chief, time.Hour, t0)
	// 32 bytes encode to 43 characters whose last carries 2 unused bits.
	last := good[len(good)-1]
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, last)
	require.GreaterOrEqual(t, i, 0)
	other := good[:len(good)-1] + string(alphabet[i^1])
	_, err := tk.Verify(other, t0)
	assert.ErrorIs(t, err, ErrTokenInvalid)
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestInScope(t *testing.T) {
	for _, tc := range []struct {
		scope, code string
		want        bool
	}{
		{"370781006", "370781006", true},
		{"370781006", "370781006033", true},
		{"370781006", "370781006033001", true},
		{"370781006", "370781006033001001", true},
		{"370781", "370781006033001", true},
		{"370781006033", "370781006033001", true},
		{"370781006033001", "370781006033001002", true},
		{"370781006033", "370781006034001", false},
		{"370781006033001", "370781006033", false},
		{"370781006", "370781001", false},
		{"370781006033001001", "370781006033001001", true},
		{"3707810060330011", "37078100603300112", false}, // buildings have no descendants
		{"D01", "D01", true},
		{"D01", "D012", false},
		{"D01", "370781006", false},
		{"", "370781006", false},
		{"370781006", "", false},
		{"370781006", "370781006abc", false},
	} {
		assert.Equal(t, tc.want, InScope(tc.scope, tc.code), "%s ⊇ %s", tc.scope, tc.code)
		assert.Equal(t, tc.want, Authorize(dispatch.Actor{Role: dispatch.RoleAdmin, Unit: tc.scope}, tc.code))
	}
}

func tokenServer(tk *Tokens, now time.Time) *Server {
	return NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)),
		Services{Tokens: tk, Now: func() time.Time { return now }})
}

func TestServerActor(t *testing.T) {
	tk := newTokens(t, testKey)
	good := issue(t, tk, chief, time.Hour, t0)
	cases := []struct {
		name    string
		header  []string
		tokens  *Tokens
		ok      bool
		message string // of the 401; "" for none
	}{
		{name: "anonymous", tokens: tk},
		{name: "valid", header: []string{"Bearer " + good}, tokens: tk, ok: true},
		{name: "scheme in lower case", header: []string{"bearer " + good}, tokens: tk, ok: true},
		{name: "expired", header: []string{"Bearer " + issue(t, tk, chief, time.Minute, t0.Add(-time.Hour))},
			tokens: tk, message: "expired"},
		{name: "garbage", header: []string{"Bearer nonsense"}, tokens: tk, message: "not valid"},
		{name: "another key", header: []string{"Bearer " + issue(t, newTokens(t, otherKey), chief, time.Hour, t0)},
			tokens: tk, message: "not valid"},
		{name: "basic auth", header: []string{"Basic dXNlcjpwYXNz"}, tokens: tk, message: "Bearer <token>"},
		{name: "bearer without token", header: []string{"Bearer "}, tokens: tk, message: "missing"},
		{name: "two headers", header: []string{"Bearer " + good, "Bearer " + good}, tokens: tk, message: "one Authorization"},
		{name: "server without key", header: []string{"Bearer " + good}, message: "not valid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tokenServer(tc.tokens, t0.Add(time.Minute))
			r := httptest.NewRequest(http.MethodGet, "/api/v1/reports/1", nil)
			for _, h := range tc.header {
				r.Header.Add("Authorization", h)
			}
			a, ok, err := s.actor(r)
			assert.Equal(t, tc.ok, ok)
			if tc.ok {
				assert.Equal(t, chief, a)
			}
			if tc.message == "" {
				assert.NoError(t, err)
				return
			}
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, http.StatusUnauthorized, e.Status)
			assert.Equal(t, "unauthenticated", e.Code)
			assert.Contains(t, e.Message, tc.message)

			w := httptest.NewRecorder()
			writeError(w, r, s.log, err)
			assert.Equal(t, http.StatusUnauthorized, w.Code)
			assert.True(t, strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer "),
				w.Header().Get("WWW-Authenticate"))
			var body struct{ Error Error }
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
			assert.Equal(t, "unauthenticated", body.Error.Code)
			assert.Contains(t, body.Error.Message, tc.message)
		})
	}
}

func TestRequireActor(t *testing.T) {
	tk := newTokens(t, testKey)
	s := tokenServer(tk, t0)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	w := httptest.NewRecorder()
	_, ok := s.requireActor(w, r)
	assert.False(t, ok)
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.Equal(t, `Bearer realm="gridgov"`, w.Header().Get("WWW-Authenticate"))
	assert.Contains(t, w.Body.String(), `"code":"unauthenticated"`)

	r.Header.Set("Authorization", "Bearer "+issue(t, tk, chief, time.Hour, t0))
	w = httptest.NewRecorder()
	a, ok := s.requireActor(w, r)
	assert.True(t, ok)
	assert.Equal(t, chief, a)
	assert.Equal(t, http.StatusOK, w.Code, "nothing written")
	assert.Zero(t, w.Body.Len())

	// Without Services.Now the wall clock decides: a token issued now is valid.
	s = NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), Services{Tokens: tk})
	r.Header.Set("Authorization", "Bearer "+issue(t, tk, chief, time.Hour, time.Now()))
	_, ok = s.requireActor(httptest.NewRecorder(), r)
	assert.True(t, ok)
}

// FuzzVerify: Verify never panics, and whatever it accepts is exactly what Issue makes with the same key from
// the claims it carries — no other spelling, no other key, nothing expired.
func FuzzVerify(f *testing.F) {
	tk := newTokens(f, testKey)
	now := t0.Add(30 * time.Minute)
	for _, a := range []dispatch.Actor{chief,
		{Role: dispatch.RoleAdmin, Unit: "370781", Subject: "admin:370781"},
		{Role: dispatch.RoleDepartment, Unit: "D01", Subject: "城管"},
	} {
		f.Add(issue(f, tk, a, time.Hour, t0))
		f.Add(issue(f, tk, a, time.Minute, t0)) // expired at now
	}
	f.Add(issue(f, newTokens(f, otherKey), chief, time.Hour, t0))
	f.Add(sign(testKey, `{"role":"system","unit":"370781","sub":"x","iat":1772442000,"exp":1772528400}`))
	f.Add("gg1.")
	f.Add("gg1..")
	f.Add("gg1.e30.AAAA")
	f.Add("")
	f.Fuzz(func(t *testing.T, token string) {
		a, err := tk.Verify(token, now)
		if err != nil {
			assert.Zero(t, a)
			return
		}
		raw, derr := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
		require.NoError(t, derr)
		var c tokenClaims
		require.NoError(t, json.Unmarshal(raw, &c))
		again, ierr := tk.Issue(a, time.Duration(c.Exp-c.Iat)*time.Second, time.Unix(c.Iat, 0))
		require.NoError(t, ierr)
		require.Equal(t, again, token, "accepted a token Issue did not make")
		require.Less(t, now.Unix(), c.Exp)
	})
}
