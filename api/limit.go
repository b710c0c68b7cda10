package api

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limits bound what one client may ask of a server. Every field has a default for its zero value except the rate
// limits, which are off unless set: cmd/gridgov sets them from the environment (README "Limits"), tests set what
// they test.
type Limits struct {
	// MaxBody is the largest request body on any route, in bytes; a route may allow less (reports and actions
	// 8 MiB, a batch locate 4 MiB, an Open311 form 64 KiB). 0 is DefaultMaxBody.
	MaxBody int64
	// Public is the budget of writes (POST, PUT, PATCH, DELETE) per client address without a staff token;
	// Staff is the budget per staff token subject. The zero Rate is unlimited.
	Public, Staff Rate
	// TrustedProxies are the peers whose X-Forwarded-For names the client; from anyone else it is ignored.
	TrustedProxies []netip.Prefix
	// MaxClients is how many clients' budgets are kept at once (about 200 bytes each); when all are in use,
	// newcomers share one budget. 0 is DefaultMaxClients.
	MaxClients int
	// MetricsFrom are the client addresses that may read /metrics without an admin token; nil is loopback only.
	MetricsFrom []netip.Prefix
}

// Defaults of Limits.
const (
	DefaultMaxBody    = 8 << 20
	DefaultMaxClients = 100_000
)

// Rate is a token bucket: Burst requests at once, refilled evenly at Burst per Per.
type Rate struct {
	Burst int
	Per   time.Duration
}

// Off says whether the rate limits nothing.
func (r Rate) Off() bool { return r.Burst <= 0 || r.Per <= 0 }

func (r Rate) String() string {
	if r.Off() {
		return "off"
	}
	return strconv.Itoa(r.Burst) + "/" + r.Per.String()
}

// perSecond is the refill rate.
func (r Rate) perSecond() float64 { return float64(r.Burst) / r.Per.Seconds() }

// ParseRate reads "N/PERIOD": N requests at once and N per period, the period a Go duration ("60/1m", "5/10s")
// or s, m, h ("60/m"). "0" and "off" turn the limit off.
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	if s == "0" || strings.EqualFold(s, "off") {
		return Rate{}, nil
	}
	n, per, ok := strings.Cut(s, "/")
	burst, err := strconv.Atoi(n)
	if !ok || err != nil || burst < 1 || burst > 1_000_000 {
		return Rate{}, fmt.Errorf("rate %q: want N/PERIOD such as 60/1m (or off)", s)
	}
	switch per {
	case "s", "m", "h":
		per = "1" + per
	case "min":
		per = "1m"
	}
	d, err := time.ParseDuration(per)
	if err != nil || d < time.Millisecond || d > 24*time.Hour {
		return Rate{}, fmt.Errorf("rate %q: the period must be a duration from 1ms to 24h, such as 1m", s)
	}
	return Rate{Burst: burst, Per: d}, nil
}

// ParsePrefixes reads a comma-separated list of addresses and CIDR prefixes ("127.0.0.1, 10.0.0.0/8").
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a CIDR prefix", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

func inPrefixes(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddr is the address of the client behind r: the peer, or, when the peer is a trusted proxy, the last
// address in X-Forwarded-For that is not a trusted proxy itself (the ones before it are the client's word).
func clientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	peer := remoteAddr(r)
	if !peer.IsValid() || !inPrefixes(peer, trusted) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return peer // a malformed hop: trust nothing further left
		}
		if a = a.Unmap(); !inPrefixes(a, trusted) {
			return a
		}
		peer = a
	}
	return peer
}

func remoteAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// addrKey is an address's rate-limit key: IPv4 addresses alone, IPv6 by their /64, which one subscriber holds.
func addrKey(a netip.Addr) string {
	if !a.IsValid() {
		return "ip:unknown"
	}
	if a.Is6() {
		p, _ := a.Prefix(64)
		return "ip:" + p.String()
	}
	return "ip:" + a.String()
}

// bucket is one client's budget: tokens left at last.
type bucket struct {
	tokens float64
	last   time.Time
	per    time.Duration // the bucket's rate's period: idle this long, it is full
}

// limiter keeps token buckets by key. A bucket that has refilled to full is the same as none, so idle buckets are
// dropped (every minute, and every second while the table is full); when all max are in use, newcomers share one
// bucket.
type limiter struct {
	mu        sync.Mutex
	buckets   map[string]*bucket
	max       int
	lastSweep time.Time
}

const overflowKey = "overflow"

func newLimiter(max int) *limiter {
	return &limiter{buckets: map[string]*bucket{}, max: max}
}

// take spends one token of key's bucket under rate at now. When there is none it says how long until there is.
func (l *limiter) take(key string, rate Rate, now time.Time) (ok bool, retry time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		// A sweep walks the whole table: once a minute, or once a second while it is full.
		if since := now.Sub(l.lastSweep); since > time.Minute || len(l.buckets) >= l.max && since > time.Second {
			l.sweep(now)
		}
		if len(l.buckets) >= l.max {
			key = overflowKey
			b = l.buckets[key]
		}
		if b == nil {
			b = &bucket{tokens: float64(rate.Burst), last: now, per: rate.Per}
			l.buckets[key] = b
		}
	}
	rps := rate.perSecond()
	if el := now.Sub(b.last); el > 0 {
		b.tokens = math.Min(float64(rate.Burst), b.tokens+el.Seconds()*rps)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / rps * float64(time.Second))
}

// sweep drops the buckets that have been idle long enough to be full again: a whole period of their rate.
func (l *limiter) sweep(now time.Time) {
	l.lastSweep = now
	for k, b := range l.buckets {
		if k != overflowKey && now.Sub(b.last) >= b.per {
			delete(l.buckets, k)
		}
	}
}

// len is the number of buckets kept.
func (l *limiter) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// guard applies the limits that hold before any handler runs: the body cap, and the write budgets. It answers
// and returns false when the request goes no further.
func (s *Server) guard(w http.ResponseWriter, r *http.Request) bool {
	max := s.Limits.MaxBody
	if r.ContentLength > max {
		s.refuse(w, r, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the body is larger than %d bytes", max))
		return false
	}
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = http.MaxBytesReader(w, r.Body, max)
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	// The server's own host is budgeted like anyone: a reverse proxy on it that is not named in TrustedProxies
	// makes every client behind it share one budget, which shows at once, rather than go unbudgeted.
	addr := clientAddr(r, s.Limits.TrustedProxies)
	key, rate, class := addrKey(addr), s.Limits.Public, "public"
	if a, ok, err := s.actor(r); err == nil && staffView(a, ok) {
		key, rate, class = "staff:"+a.Subject, s.Limits.Staff, "staff"
	}
	if rate.Off() {
		return true
	}
	ok, retry := s.limiter.take(key, rate, s.clock())
	if ok {
		return true
	}
	secs := int(math.Ceil(retry.Seconds()))
	if secs < 1 {
		secs = 1
	}
	_, pattern := s.mux.Handler(r)
	s.Metrics.rateLimited.WithLabelValues(pattern, class).Inc()
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	s.refuse(w, r, http.StatusTooManyRequests, "rate_limited",
		fmt.Sprintf("too many requests from this client; retry after %d s", secs))
	return false
}

// refuse answers a limit in the error format of the route: Open311's under /open311/, JSON elsewhere.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	if strings.HasPrefix(r.URL.Path, "/open311/") {
		format := "xml"
		if strings.HasSuffix(r.URL.Path, ".json") {
			format = "json"
		}
		writeList(w, format, status, "errors", "error", []*o311Error{{Code: status, Description: msg}})
		return
	}
	writeError(w, r, s.log, &Error{Status: status, Code: code, Message: msg})
}
