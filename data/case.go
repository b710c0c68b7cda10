package data

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"gridgov/dispatch"
)

// intakeLock, plus a partition number, serialises the intake batches of one partition across server processes, so
// that de-duplication and idempotency keys see every committed case ("intake" in ASCII).
const intakeLock = 0x696e74616b65 << 8

// Writers is the number of intake partitions: reports are partitioned by category (de-duplication never looks
// across categories), and each partition has one writer per process and one advisory lock across processes.
const Writers = 4

// CaseStore keeps cases in PostGIS. Create goes through the writer of its category's partition, which commits
// concurrent requests together (group commit): one transaction and one WAL flush for up to MaxBatch cases, so
// throughput grows with concurrency while every Create still returns only after its case is durable. The
// partitions' writers run in parallel on their own connections.
type CaseStore struct {
	db       DB
	reqs     [Writers]chan *createReq
	maxBatch int
	done     sync.WaitGroup
	observe  atomic.Pointer[func(size int, d time.Duration, err error)]
}

// Observe has fn told of every group commit: how many reports it wrote, how long it took and whether it failed
// (for metrics).
func (s *CaseStore) Observe(fn func(size int, d time.Duration, err error)) { s.observe.Store(&fn) }

var _ dispatch.CaseStore = (*CaseStore)(nil)

// MaxBatch is the most cases one group commit writes.
const MaxBatch = 256

type createReq struct {
	ctx context.Context // the request's: once it ends nobody waits for the answer
	nc  dispatch.NewCase
	res chan createRes
}

type createRes struct {
	created dispatch.Created
	err     error
}

// NewCaseStore starts the store's writer; Close stops it.
func NewCaseStore(db DB) *CaseStore {
	s := &CaseStore{db: db, maxBatch: MaxBatch}
	for i := range s.reqs {
		s.reqs[i] = make(chan *createReq, 4*MaxBatch)
		s.done.Add(1)
		go s.writer(i)
	}
	return s
}

// Close stops the writers after the requests already queued are written.
func (s *CaseStore) Close() {
	for _, ch := range s.reqs {
		close(ch)
	}
	s.done.Wait()
}

// partition is the writer (and advisory lock) of a category.
func partition(category string) int {
	h := fnv.New32a()
	h.Write([]byte(category))
	return int(h.Sum32() % Writers)
}

// Create stores a new case, links it to an open case nearby as a supporter, or replays the answer of an earlier
// request with the same idempotency key. It returns after the transaction has committed.
func (s *CaseStore) Create(ctx context.Context, nc dispatch.NewCase) (dispatch.Created, error) {
	req := &createReq{ctx: ctx, nc: nc, res: make(chan createRes, 1)}
	select {
	case s.reqs[partition(nc.Case.Category)] <- req:
	case <-ctx.Done():
		return dispatch.Created{}, gaveUp(ctx)
	}
	select {
	case r := <-req.res:
		return r.created, r.err
	case <-ctx.Done():
		// The case may still be written; it was not acknowledged, and a retry with the same key finds it.
		return dispatch.Created{}, gaveUp(ctx)
	}
}

// gaveUp is the error of a request whose context ended before its case was written: a request that ran out of
// time waited for a database that did not answer.
func gaveUp(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w: intake: %w", dispatch.ErrUnavailable, ctx.Err())
	}
	return ctx.Err()
}

func (s *CaseStore) writer(part int) {
	defer s.done.Done()
	for first := range s.reqs[part] {
		batch := []*createReq{first}
	drain:
		for len(batch) < s.maxBatch {
			select {
			case r, ok := <-s.reqs[part]:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		// Requests whose client has gone (or timed out) are not written: they were not acknowledged, and a retry
		// under the same key is a new request.
		live := batch[:0]
		for _, r := range batch {
			if r.ctx.Err() != nil {
				r.res <- createRes{err: gaveUp(r.ctx)}
				continue
			}
			live = append(live, r)
		}
		if len(live) > 0 {
			s.write(part, live)
		}
	}
}

// writeTimeout bounds one group commit, so that a database that stops answering (rather than refusing) holds a
// writer, and the requests queued behind it, for this long at most.
const writeTimeout = 15 * time.Second

// write commits a batch; if the batch as a whole fails, each request is retried alone so that one bad request
// cannot fail the others — unless the database is unavailable, which fails them all at once.
func (s *CaseStore) write(part int, batch []*createReq) {
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	start := time.Now()
	results, err := s.writeBatch(ctx, part, batch)
	if fn := s.observe.Load(); fn != nil {
		(*fn)(len(batch), time.Since(start), err)
	}
	if err == nil {
		for i, r := range batch {
			r.res <- results[i]
		}
		return
	}
	err = translate(err)
	if len(batch) == 1 || errors.Is(err, dispatch.ErrUnavailable) {
		for _, r := range batch {
			r.res <- createRes{err: err}
		}
		return
	}
	for _, r := range batch {
		s.write(part, []*createReq{r})
	}
}

// item is one request's fate inside a batch.
type item struct {
	req       *createReq
	leader    int // index of the first request with the same idempotency key, or -1
	replay    *dispatch.Created
	dupOf     int64 // an existing open case this report supports
	dupItem   int   // or an earlier new case of this batch it supports (-1 when none)
	newID     int64 // the id of the case this request creates
	supported *dispatch.Case
	mismatch  bool
}

func (s *CaseStore) writeBatch(ctx context.Context, part int, batch []*createReq) ([]createRes, error) {
	items := make([]item, len(batch))
	firstByKey := map[string]int{}
	for i, r := range batch {
		items[i] = item{req: r, leader: -1, dupItem: -1}
		if k := r.nc.IdempotencyKey; k != "" {
			if j, ok := firstByKey[k]; ok {
				items[i].leader = j
				continue
			}
			firstByKey[k] = i
		}
	}
	err := inTx(ctx, s.db, func(tx pgx.Tx) error {
		ids, err := lookup(ctx, tx, part, items, firstByKey)
		if err != nil {
			return err
		}
		return insertCases(ctx, tx, items, ids)
	})
	if err != nil {
		return nil, err
	}
	out := make([]createRes, len(items))
	for i := range items {
		out[i] = result(items, i)
	}
	return out, nil
}

// lookup does, in one pipelined round trip, everything a batch must know before it writes: it takes the intake
// lock, forgets idempotency keys older than 24 hours and finds the others (replays), finds for each report the
// nearest open case of its category within its radius and window, and reserves case ids. Then it links reports
// to earlier new reports of the same batch.
func lookup(ctx context.Context, tx pgx.Tx, part int, items []item, firstByKey map[string]int) ([]int64, error) {
	var keys []string
	for k := range firstByKey {
		keys = append(keys, k)
	}
	var idx []int32
	var cats []string
	var lons, lats, radii []float64
	var since []time.Time
	leaders := 0
	for i := range items {
		if items[i].leader >= 0 {
			continue
		}
		leaders++
		nc := items[i].req.nc
		if nc.DedupRadius <= 0 {
			continue
		}
		idx = append(idx, int32(i))
		cats = append(cats, nc.Case.Category)
		lons = append(lons, nc.Case.Lon)
		lats = append(lats, nc.Case.Lat)
		radii = append(radii, nc.DedupRadius)
		since = append(since, nc.Case.CreatedAt.Add(-nc.DedupWindow))
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT pg_advisory_xact_lock($1)`, int64(intakeLock+part))
	b.Queue(`DELETE FROM idempotency_keys WHERE key = ANY($1) AND created_at < now() - interval '24 hours'`, keys)
	b.Queue(`SELECT key, request_hash, snapshot FROM idempotency_keys WHERE key = ANY($1)`, keys)
	// The bounding-box pre-filter uses the open-case index; 1° of latitude is at least 110,574 m and a degree of
	// longitude shrinks with cos(lat), so the box is widened accordingly.
	b.Queue(`
		SELECT i.n, c.id
		FROM unnest($1::int[], $2::text[], $3::float8[], $4::float8[], $5::float8[], $6::timestamptz[])
			AS i(n, cat, lon, lat, radius, since)
		CROSS JOIN LATERAL (
			SELECT id FROM cases
			WHERE status NOT IN ('closed', 'cancelled') AND category = i.cat AND created_at >= i.since
			  AND geom && ST_Expand(ST_SetSRID(ST_MakePoint(i.lon, i.lat), 4326),
			                        i.radius / 110574.0 / greatest(cos(radians(abs(i.lat) + 0.01)), 0.01))
			  AND ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint(i.lon, i.lat), 4326)::geography, i.radius)
			ORDER BY geom <-> ST_SetSRID(ST_MakePoint(i.lon, i.lat), 4326), id
			LIMIT 1) c`, idx, cats, lons, lats, radii, since)
	b.Queue(`SELECT nextval('cases_id_seq') FROM generate_series(1, $1)`, leaders)
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return nil, err
	}
	if _, err := br.Exec(); err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var key, hash string
		var snap []byte
		if err := rows.Scan(&key, &hash, &snap); err != nil {
			rows.Close()
			return nil, err
		}
		it := &items[firstByKey[key]]
		if hash != it.req.nc.RequestHash {
			it.mismatch = true
			continue
		}
		var c dispatch.Created
		if err := json.Unmarshal(snap, &c); err != nil {
			rows.Close()
			return nil, fmt.Errorf("idempotency key snapshot: %w", err)
		}
		c.Replayed = true
		it.replay = &c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = br.Query()
	if err != nil {
		return nil, fmt.Errorf("dedup: %w", err)
	}
	for rows.Next() {
		var n int32
		var id int64
		if err := rows.Scan(&n, &id); err != nil {
			rows.Close()
			return nil, err
		}
		if items[n].isNew() {
			items[n].dupOf = id
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("dedup: %w", err)
	}
	rows, err = br.Query()
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	// Within the batch: a report near an earlier new report of the same category supports it.
	for _, n := range idx {
		it := &items[n]
		if !it.isNew() || it.dupOf != 0 {
			continue
		}
		for _, m := range idx {
			if m >= n {
				break
			}
			prev := &items[m]
			a, c := prev.req.nc.Case, it.req.nc.Case
			if prev.isNew() && prev.dupOf == 0 && prev.dupItem < 0 && a.Category == c.Category &&
				metres(a.Lon, a.Lat, c.Lon, c.Lat) <= it.req.nc.DedupRadius {
				it.dupItem = int(m)
				break
			}
		}
	}
	return ids, nil
}

// isNew reports whether the item creates something (a case or a supporter link).
func (it *item) isNew() bool { return it.leader < 0 && it.replay == nil && !it.mismatch }

// metres is the great-circle distance between two WGS-84 points.
func metres(lon1, lat1, lon2, lat2 float64) float64 {
	const r = 6371008.8
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := p2-p1, (lon2-lon1)*math.Pi/180
	h := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}

// The new cases of a batch, their first events and points go in as one multi-row statement each (arrays
// unnested server-side), which costs PostgreSQL far less than a statement per row.
const insertCaseRows = `INSERT INTO cases (id, category, description, address, channel, urgency, geom, orig_lon, orig_lat,
		crs, h3, street_code, community_code, grid_code, building_code, status, classification, assignee_code,
		reporter_name, reporter_phone, created_at, updated_at, due_at, reporter_id, handler)
	SELECT id, category, description, address, channel, urgency, ST_SetSRID(ST_MakePoint(lon, lat), 4326), orig_lon,
		orig_lat, crs, h3, street_code, community_code, grid_code, building_code, status, classification,
		assignee_code, reporter_name, reporter_phone, created_at, created_at, due_at, reporter_id, assignee_code
	FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::float8[],
		$9::float8[], $10::float8[], $11::text[], $12::bigint[], $13::text[], $14::text[], $15::text[], $16::text[],
		$17::text[], $18::text[], $19::text[], $20::text[], $21::text[], $22::timestamptz[], $23::timestamptz[],
		$24::text[])
		AS t(id, category, description, address, channel, urgency, lon, lat, orig_lon, orig_lat, crs, h3, street_code,
			community_code, grid_code, building_code, status, classification, assignee_code, reporter_name,
			reporter_phone, created_at, due_at, reporter_id)`

const insertEvents = `INSERT INTO case_events (case_id, action, from_status, to_status, actor_role, actor_unit, note, at,
		actor)
	SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
		$8::timestamptz[], $9::text[])`

const insertPoints = `INSERT INTO reporter_points (reporter_phone, case_id, points, reason, created_at)
	SELECT phone, case_id, points, 'report became a case', at
	FROM unnest($1::text[], $2::bigint[], $3::int[], $4::timestamptz[]) AS t(phone, case_id, points, at)`

const insertKeys = `INSERT INTO idempotency_keys (key, request_hash, case_id, snapshot)
	SELECT key, hash, case_id, snapshot::jsonb FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[])
		AS t(key, hash, case_id, snapshot)`

// caseRows collects a batch's new cases as columns.
type caseRows struct {
	id, h3                                                           []int64
	category, description, address, channel, urgency, crs            []string
	lon, lat, origLon, origLat                                       []float64
	street, community, grid, building                                []*string
	status, class, assignee, reporterName, reporterPhone, reporterID []string
	created                                                          []time.Time
	due                                                              []*time.Time
	evCase                                                           []int64
	evAction, evFrom, evTo, evRole, evUnit, evNote, evActor          []string
	evAt                                                             []time.Time
	ptPhone                                                          []string
	ptCase                                                           []int64
	ptPoints                                                         []int32
	ptAt                                                             []time.Time
}

func (r *caseRows) add(id int64, nc dispatch.NewCase) {
	c := nc.Case
	str := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	r.id, r.h3 = append(r.id, id), append(r.h3, c.H3)
	r.category, r.description = append(r.category, c.Category), append(r.description, c.Description)
	r.address, r.channel, r.urgency = append(r.address, c.Address), append(r.channel, c.Channel), append(r.urgency, c.Urgency)
	r.crs = append(r.crs, c.CRS)
	r.lon, r.lat = append(r.lon, c.Lon), append(r.lat, c.Lat)
	r.origLon, r.origLat = append(r.origLon, c.OrigLon), append(r.origLat, c.OrigLat)
	r.street, r.community = append(r.street, str(c.StreetCode)), append(r.community, str(c.CommunityCode))
	r.grid, r.building = append(r.grid, str(c.GridCode)), append(r.building, str(c.BuildingCode))
	r.status, r.class = append(r.status, string(c.Status)), append(r.class, string(c.Classification))
	r.assignee = append(r.assignee, c.AssigneeCode)
	r.reporterName, r.reporterPhone = append(r.reporterName, c.ReporterName), append(r.reporterPhone, c.ReporterPhone)
	r.reporterID = append(r.reporterID, c.ReporterID)
	r.created = append(r.created, c.CreatedAt)
	var due *time.Time
	if !c.DueAt.IsZero() {
		d := c.DueAt
		due = &d
	}
	r.due = append(r.due, due)
	for _, e := range c.Events {
		r.evCase, r.evAction = append(r.evCase, id), append(r.evAction, e.Action)
		r.evFrom, r.evTo = append(r.evFrom, string(e.From)), append(r.evTo, string(e.To))
		r.evRole, r.evUnit = append(r.evRole, e.ActorRole), append(r.evUnit, e.ActorUnit)
		r.evNote, r.evAt = append(r.evNote, e.Note), append(r.evAt, e.At)
		r.evActor = append(r.evActor, e.Actor)
	}
	if nc.Points > 0 && c.ReporterPhone != "" {
		r.ptPhone, r.ptCase = append(r.ptPhone, c.ReporterPhone), append(r.ptCase, id)
		r.ptPoints, r.ptAt = append(r.ptPoints, int32(nc.Points)), append(r.ptAt, c.CreatedAt)
	}
}

func (r *caseRows) queue(b *pgx.Batch) {
	if len(r.id) == 0 {
		return
	}
	b.Queue(insertCaseRows, r.id, r.category, r.description, r.address, r.channel, r.urgency, r.lon, r.lat, r.origLon,
		r.origLat, r.crs, r.h3, r.street, r.community, r.grid, r.building, r.status, r.class, r.assignee,
		r.reporterName, r.reporterPhone, r.created, r.due, r.reporterID)
	if len(r.evCase) > 0 {
		b.Queue(insertEvents, r.evCase, r.evAction, r.evFrom, r.evTo, r.evRole, r.evUnit, r.evNote, r.evAt, r.evActor)
	}
	if len(r.ptCase) > 0 {
		b.Queue(insertPoints, r.ptPhone, r.ptCase, r.ptPoints, r.ptAt)
	}
}

// insertCases writes the batch's new cases, supporter links, events, photos, points and idempotency keys in one
// pipelined round trip.
func insertCases(ctx context.Context, tx pgx.Tx, items []item, ids []int64) error {
	// New cases first, so that supporters of a case created in this same batch find it.
	var rows caseRows
	for i := range items {
		it := &items[i]
		if it.isNew() && it.dupOf == 0 && it.dupItem < 0 {
			it.newID, ids = ids[0], ids[1:]
			rows.add(it.newID, it.req.nc)
		}
	}
	b := &pgx.Batch{}
	rows.queue(b)
	for i := range items {
		it := &items[i]
		if !it.isNew() {
			continue
		}
		nc := it.req.nc
		c := nc.Case
		if it.dupItem >= 0 {
			it.dupOf = items[it.dupItem].newID
		}
		if it.dupOf == 0 {
			queuePhotos(b, it.newID, nc.Photos)
			continue
		}
		b.Queue(`INSERT INTO case_supporters (case_id, description, channel, geom, orig_lon, orig_lat, crs,
				reporter_name, reporter_phone, created_at)
			VALUES ($1, $2, $3, ST_SetSRID(ST_MakePoint($4, $5), 4326), $6, $7, $8, $9, $10, $11)`,
			it.dupOf, c.Description, c.Channel, c.Lon, c.Lat, c.OrigLon, c.OrigLat, c.CRS, c.ReporterName,
			c.ReporterPhone, c.CreatedAt)
		b.Queue(`UPDATE cases SET supporters = supporters + 1, updated_at = $2 WHERE id = $1`, it.dupOf, c.CreatedAt)
		b.Queue(`INSERT INTO case_events (case_id, action, from_status, to_status, actor_role, note, at)
			SELECT id, 'support', status, status, 'resident', $2, $3 FROM cases WHERE id = $1`,
			it.dupOf, c.Channel, c.CreatedAt)
		queuePhotos(b, it.dupOf, nc.Photos)
	}
	// Idempotency keys of new cases go in the same round trip; those of supporters follow once the supported
	// cases can be read as they now stand.
	if err := queueKeys(b, items, func(it *item) bool { return it.dupOf == 0 }); err != nil {
		return err
	}
	if b.Len() > 0 {
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("writing cases: %w", translate(err))
		}
	}
	var supported []int64
	for i := range items {
		if it := &items[i]; it.isNew() && it.dupOf != 0 {
			supported = append(supported, it.dupOf)
		}
	}
	if len(supported) == 0 {
		return nil
	}
	found, err := tx.Query(ctx, `SELECT `+caseCols+` FROM cases WHERE id = ANY($1)`, supported)
	if err != nil {
		return err
	}
	cases, err := pgx.CollectRows(found, scanCase)
	if err != nil {
		return err
	}
	byID := make(map[int64]*dispatch.Case, len(cases))
	for i := range cases {
		byID[cases[i].ID] = &cases[i]
	}
	for i := range items {
		if it := &items[i]; it.isNew() && it.dupOf != 0 {
			it.supported = byID[it.dupOf]
		}
	}
	b = &pgx.Batch{}
	if err := queueKeys(b, items, func(it *item) bool { return it.dupOf != 0 }); err != nil {
		return err
	}
	if b.Len() > 0 {
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("idempotency keys: %w", translate(err))
		}
	}
	return nil
}

// queueKeys queues the idempotency keys of the new items that which selects, with the answer to replay.
func queueKeys(b *pgx.Batch, items []item, which func(*item) bool) error {
	var keys, hashes, snaps []string
	var keyCases []int64
	for i := range items {
		it := &items[i]
		if !it.isNew() || it.req.nc.IdempotencyKey == "" || !which(it) {
			continue
		}
		snap, err := json.Marshal(snapshot(items, i))
		if err != nil {
			return err
		}
		keys, hashes = append(keys, it.req.nc.IdempotencyKey), append(hashes, it.req.nc.RequestHash)
		keyCases, snaps = append(keyCases, caseID(it)), append(snaps, string(snap))
	}
	if len(keys) > 0 {
		b.Queue(insertKeys, keys, hashes, keyCases, snaps)
	}
	return nil
}

func queuePhotos(b *pgx.Batch, caseID int64, photos []dispatch.Photo) {
	for _, p := range photos {
		b.Queue(`INSERT INTO case_photos (case_id, content_type, sha256, bytes) VALUES ($1, $2, $3, $4)`,
			caseID, p.ContentType, p.SHA256, p.Bytes)
	}
}

func caseID(it *item) int64 {
	if it.dupOf != 0 {
		return it.dupOf
	}
	return it.newID
}

// snapshot is the answer for a new item: the new case, or the supported case with DuplicateOf.
func snapshot(items []item, i int) dispatch.Created {
	it := &items[i]
	if it.supported != nil {
		return dispatch.Created{Case: *it.supported, DuplicateOf: it.dupOf}
	}
	c := it.req.nc.Case
	c.Events = nil
	c.ID = it.newID
	return dispatch.Created{Case: c}
}

// result is the answer for item i after commit.
func result(items []item, i int) createRes {
	it := &items[i]
	if it.leader >= 0 {
		lead := &items[it.leader]
		if lead.req.nc.RequestHash != it.req.nc.RequestHash {
			return createRes{err: dispatch.ErrIdempotencyMismatch}
		}
		r := result(items, it.leader)
		r.created.Replayed = true
		return r
	}
	switch {
	case it.mismatch:
		return createRes{err: dispatch.ErrIdempotencyMismatch}
	case it.replay != nil:
		return createRes{created: *it.replay}
	}
	return createRes{created: snapshot(items, i)}
}

const caseCols = `id, category, description, address, channel, urgency, ST_X(geom), ST_Y(geom), orig_lon, orig_lat,
	crs, h3, coalesce(street_code, ''), coalesce(community_code, ''), coalesce(grid_code, ''),
	coalesce(building_code, ''), status, classification, assignee_code, reporter_name, reporter_phone, satisfaction,
	redone, supporters, created_at, coalesce(due_at, 'epoch'), coalesce(closed_at, 'epoch'), reporter_id, deliberated,
	suspended_from, prev_assignee, handler, escalations, rated_satisfied, rated_basic, rated_unsatisfied,
	coalesce(verified_at, 'epoch'), coalesce(duplicate_of, 0), updated_at, coalesce(suspended_at, 'epoch')`

// Case reads one case (without its events).
func (s *CaseStore) Case(ctx context.Context, id int64) (dispatch.Case, error) {
	return getCase(ctx, s.db, id)
}

func getCase(ctx context.Context, db DB, id int64) (dispatch.Case, error) {
	rows, err := db.Query(ctx, `SELECT `+caseCols+` FROM cases WHERE id = $1`, id)
	if err != nil {
		return dispatch.Case{}, fmt.Errorf("case %d: %w", id, err)
	}
	c, err := pgx.CollectExactlyOneRow(rows, scanCase)
	if err != nil {
		return dispatch.Case{}, fmt.Errorf("case %d: %w", id, translate(err))
	}
	return c, nil
}

func scanCase(row pgx.CollectableRow) (dispatch.Case, error) {
	var c dispatch.Case
	cs := caseScanTargets(&c)
	err := row.Scan(cs.targets...)
	cs.finish()
	return c, err
}

// caseScan holds the scan targets of caseCols for one case; finish converts what needs converting.
type caseScan struct {
	targets                              []any
	finish                               func()
	status, class, suspend               string
	due, closed, verifiedAt, suspendedAt time.Time
}

func caseScanTargets(c *dispatch.Case) *caseScan {
	cs := &caseScan{}
	cs.targets = []any{&c.ID, &c.Category, &c.Description, &c.Address, &c.Channel, &c.Urgency, &c.Lon, &c.Lat,
		&c.OrigLon, &c.OrigLat, &c.CRS, &c.H3, &c.StreetCode, &c.CommunityCode, &c.GridCode, &c.BuildingCode,
		&cs.status, &cs.class, &c.AssigneeCode, &c.ReporterName, &c.ReporterPhone, &c.Satisfaction, &c.Redone,
		&c.Supporters, &c.CreatedAt, &cs.due, &cs.closed, &c.ReporterID, &c.Deliberated, &cs.suspend, &c.PrevAssignee,
		&c.Handler, &c.Escalations, &c.Ratings.Satisfied, &c.Ratings.BasicallySatisfied, &c.Ratings.Unsatisfied,
		&cs.verifiedAt, &c.DuplicateOf, &c.UpdatedAt, &cs.suspendedAt}
	cs.finish = func() {
		c.Status, c.Classification = dispatch.Status(cs.status), dispatch.Classification(cs.class)
		c.SuspendedFrom = dispatch.Status(cs.suspend)
		c.DueAt, c.ClosedAt, c.VerifiedAt = notEpoch(cs.due), notEpoch(cs.closed), notEpoch(cs.verifiedAt)
		c.SuspendedAt = notEpoch(cs.suspendedAt)
	}
	return cs
}

func notEpoch(t time.Time) time.Time {
	if t.Unix() == 0 {
		return time.Time{}
	}
	return t
}
