package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gridgov/dispatch"
	"gridgov/geo"
)

// Bearer tokens are
//
//	gg1.<base64url(JSON claims)>.<base64url(HMAC-SHA256(key, "gg1." + the base64url claims))>
//
// with claims {"role","unit","sub","iat","exp"} (times in Unix seconds) and base64url without padding. The MAC
// is checked, in constant time, before the claims are decoded. A token scopes its holder to its unit and the
// unit's descendants (see InScope).
const (
	tokenPrefix    = "gg1."
	maxTokenLen    = 2048            // longer tokens are refused unread
	maxTokenSkew   = 5 * time.Minute // how far in the future a token may have been issued (clocks differ)
	minTokenKeyLen = 32
	maxUnitLen     = 64
	maxSubjectLen  = 256
)

var (
	// ErrTokenInvalid is any token that was not issued by Issue with this key, or that holds unacceptable claims.
	ErrTokenInvalid = errors.New("invalid token")
	// ErrTokenExpired is a genuine token past its expiry.
	ErrTokenExpired = errors.New("token expired")
)

// b64 is base64url without padding, strict: a token has exactly one spelling.
var b64 = base64.RawURLEncoding.Strict()

// Tokens issues and verifies bearer tokens with one key.
type Tokens struct {
	key []byte
}

// NewTokens returns a token issuer and verifier over key, which must be at least 32 bytes.
func NewTokens(key []byte) (*Tokens, error) {
	if len(key) < minTokenKeyLen {
		return nil, fmt.Errorf("token key has %d bytes, want at least %d", len(key), minTokenKeyLen)
	}
	return &Tokens{key: slices.Clone(key)}, nil
}

type tokenClaims struct {
	Role string `json:"role"`
	Unit string `json:"unit"`
	Sub  string `json:"sub"`
	Iat  int64  `json:"iat"`
	Exp  int64  `json:"exp"`
}

// checkActor says what makes an actor unfit for a token, or nil.
func checkActor(a dispatch.Actor) error {
	switch {
	case a.Role == dispatch.RoleSystem || !slices.Contains(dispatch.Roles, a.Role):
		return fmt.Errorf("role %q cannot hold a token", a.Role)
	case a.Unit == "" || len(a.Unit) > maxUnitLen || !utf8.ValidString(a.Unit):
		return fmt.Errorf("unit %q: want 1 to %d bytes of UTF-8", a.Unit, maxUnitLen)
	case a.Subject == "" || len(a.Subject) > maxSubjectLen || !utf8.ValidString(a.Subject):
		return fmt.Errorf("subject %q: want 1 to %d bytes of UTF-8", a.Subject, maxSubjectLen)
	}
	return nil
}

// Issue returns a token for a that is valid from now for ttl (whole seconds).
func (t *Tokens) Issue(a dispatch.Actor, ttl time.Duration, now time.Time) (string, error) {
	if t == nil {
		return "", errors.New("issue token: no key")
	}
	if err := checkActor(a); err != nil {
		return "", fmt.Errorf("issue token: %w", err)
	}
	if ttl < time.Second {
		return "", fmt.Errorf("issue token: ttl %v is under a second", ttl)
	}
	c := tokenClaims{Role: string(a.Role), Unit: a.Unit, Sub: a.Subject, Iat: now.Unix(), Exp: now.Add(ttl).Unix()}
	raw, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("issue token: %w", err)
	}
	signed := tokenPrefix + b64.EncodeToString(raw)
	tok := signed + "." + b64.EncodeToString(t.mac(signed))
	if len(tok) > maxTokenLen {
		return "", fmt.Errorf("issue token: %d bytes, over the limit of %d", len(tok), maxTokenLen)
	}
	return tok, nil
}

func (t *Tokens) mac(signed string) []byte {
	m := hmac.New(sha256.New, t.key)
	m.Write([]byte(signed))
	return m.Sum(nil)
}

// Verify returns the actor a token speaks for at now: ErrTokenExpired for a genuine token past its expiry,
// ErrTokenInvalid for anything else that is not a token Issue made with this key. A nil *Tokens accepts nothing.
func (t *Tokens) Verify(token string, now time.Time) (dispatch.Actor, error) {
	// Only the base64url alphabet and dots: the decoder would skip \r and \n, even when strict, and so accept
	// other spellings of a token.
	if t == nil || len(token) > maxTokenLen || !strings.HasPrefix(token, tokenPrefix) ||
		strings.ContainsFunc(token, notTokenChar) {
		return dispatch.Actor{}, ErrTokenInvalid
	}
	payload, sig, ok := strings.Cut(token[len(tokenPrefix):], ".")
	if !ok || strings.Contains(sig, ".") {
		return dispatch.Actor{}, ErrTokenInvalid
	}
	got, err := b64.DecodeString(sig)
	if err != nil || !hmac.Equal(got, t.mac(tokenPrefix+payload)) {
		return dispatch.Actor{}, ErrTokenInvalid
	}
	// Only our own key's claims get this far.
	raw, err := b64.DecodeString(payload)
	if err != nil {
		return dispatch.Actor{}, ErrTokenInvalid
	}
	var c tokenClaims
	if err := json.Unmarshal(raw, &c); err != nil {
		return dispatch.Actor{}, ErrTokenInvalid
	}
	a := dispatch.Actor{Role: dispatch.Role(c.Role), Unit: c.Unit, Subject: c.Sub}
	if checkActor(a) != nil || c.Exp <= c.Iat || c.Iat > now.Add(maxTokenSkew).Unix() {
		return dispatch.Actor{}, ErrTokenInvalid
	}
	if now.Unix() >= c.Exp {
		return dispatch.Actor{}, ErrTokenExpired
	}
	return a, nil
}

func notTokenChar(r rune) bool {
	return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
}

// InScope says whether code lies within scope: the same code, or a descendant in the unit hierarchy, whose codes
// nest by prefix (county 370781 ⊃ street 370781006 ⊃ community 370781006033 ⊃ grid 370781006033001 ⊃ building
// compound 370781006033001xxx). Building compounds have no descendants (their codes vary in length, so one may
// prefix a sibling's), and non-numeric codes, such as departments', match only themselves.
func InScope(scope, code string) bool {
	if scope == "" || code == "" {
		return false
	}
	if scope == code {
		return true
	}
	return len(scope) < geo.BuildingCodeMin && len(code) > len(scope) && strings.HasPrefix(code, scope) &&
		isDigits(scope) && isDigits(code)
}

// Authorize says whether an actor's token reaches code: its unit or a descendant of it.
func Authorize(a dispatch.Actor, code string) bool { return InScope(a.Unit, code) }

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// actor returns who sent r. Without an Authorization header it is the anonymous public: ok is false and err nil.
// A header that does not carry a valid, unexpired bearer token gives a 401 *Error, which writeError answers with
// the Bearer challenge (WWW-Authenticate).
func (s *Server) actor(r *http.Request) (dispatch.Actor, bool, error) {
	hs := r.Header.Values("Authorization")
	if len(hs) == 0 {
		return dispatch.Actor{}, false, nil
	}
	if len(hs) > 1 {
		return dispatch.Actor{}, false, authError("send one Authorization header, not several")
	}
	scheme, tok, _ := strings.Cut(strings.TrimSpace(hs[0]), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return dispatch.Actor{}, false, authError("the Authorization header must be 'Bearer <token>'")
	}
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return dispatch.Actor{}, false, authError("the bearer token is missing")
	}
	a, err := s.Tokens.Verify(tok, s.clock())
	switch {
	case errors.Is(err, ErrTokenExpired):
		return dispatch.Actor{}, false, authError("the bearer token has expired; ask for a new one")
	case err != nil:
		return dispatch.Actor{}, false, authError("the bearer token is not valid")
	}
	return a, true, nil
}

// requireActor returns the actor of a request that must carry a token; otherwise it answers 401 and ok is false.
func (s *Server) requireActor(w http.ResponseWriter, r *http.Request) (dispatch.Actor, bool) {
	a, ok, err := s.actor(r)
	if err == nil && !ok {
		err = authError("this needs a bearer token: Authorization: Bearer <token>")
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return dispatch.Actor{}, false
	}
	return a, true
}

// authError is a 401 unauthenticated with a message for the client.
func authError(msg string) *Error {
	return &Error{Status: http.StatusUnauthorized, Code: "unauthenticated", Message: msg}
}

// clock is the server's time: Services.Now when set, the wall clock otherwise.
func (s *Server) clock() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
