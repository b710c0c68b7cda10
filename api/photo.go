package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"gridgov/dispatch"
	"gridgov/geo"
)

// PhotoStore reads the photos kept with cases (sent with a report or with a workflow action).
type PhotoStore interface {
	// Photos lists a case's photos without their bytes, numbered from 1 in the order they were stored.
	Photos(ctx context.Context, caseID int64) ([]dispatch.StoredPhoto, error)
	// Photo reads the n-th photo with its bytes; geo.ErrNotFound when there is none.
	Photo(ctx context.Context, caseID int64, n int) (dispatch.StoredPhoto, error)
}

// Photos may show faces, homes and number plates: they are for those who see the case in full (seesInFull: its
// reporter, staff responsible for it within their unit, the department it is assigned to) and nobody else — not
// even for a public case, whose public view has no photos. To anyone else a case's photos do not exist (404), as
// a non-public case does not.

// photoJSON describes one photo of a case.
type photoJSON struct {
	Index       int       `json:"index"`
	URL         string    `json:"url"`
	ContentType string    `json:"content_type"`
	Size        int       `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedAt  time.Time `json:"uploaded_at"`
	// EventID is the workflow event that added the photo (a resolve, …); null for a photo sent with a report,
	// the case's own or a supporting one (Action is then "report").
	EventID *int64 `json:"event_id"`
	Action  string `json:"action"`
}

func photoURL(caseID int64, n int) string {
	return "/api/v1/reports/" + strconv.FormatInt(caseID, 10) + "/photos/" + strconv.Itoa(n)
}

func renderPhoto(caseID int64, p dispatch.StoredPhoto) photoJSON {
	out := photoJSON{Index: p.Index, URL: photoURL(caseID, p.Index), ContentType: p.ContentType, Size: p.Size,
		SHA256: p.SHA256, UploadedAt: p.CreatedAt, Action: p.Action}
	if p.EventID != 0 {
		id := p.EventID
		out.EventID = &id
	}
	if out.Action == "" {
		out.Action = "report"
	}
	return out
}

// photoCase reads the case the path names for a viewer who must see it in full; to anyone else it is
// geo.ErrNotFound, as a case they may not read at all.
func photoCase(r *http.Request, places *dispatch.Places, cases CaseReader, actorOf actorFunc) (dispatch.Case, error) {
	c, actor, known, err := requestedCase(r, places, cases, actorOf)
	if err != nil {
		return dispatch.Case{}, err
	}
	if !known || !seesInFull(c, actor) {
		return dispatch.Case{}, fmt.Errorf("case %d: %w", c.ID, geo.ErrNotFound)
	}
	return c, nil
}

// privateHeaders mark an answer that depends on who asks: kept by the asker's own cache only, per token.
func privateHeaders(h http.Header) {
	h.Set("Cache-Control", "private")
	h.Add("Vary", "Authorization")
}

// handlePhotos answers GET /api/v1/reports/{id}/photos: {"photos":[…]} for those who see the case in full.
func handlePhotos(log *slog.Logger, places *dispatch.Places, cases CaseReader, photos PhotoStore, actorOf actorFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := photoCase(r, places, cases, actorOf)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		out := []photoJSON{}
		if photos != nil {
			list, err := photos.Photos(r.Context(), c.ID)
			if err != nil {
				writeError(w, r, log, err)
				return
			}
			for _, p := range list {
				out = append(out, renderPhoto(c.ID, p))
			}
		}
		privateHeaders(w.Header())
		writeJSON(w, http.StatusOK, map[string]any{"photos": out})
	}
}

// photoIndex reads the path's {n}: a photo's number, from 1.
func photoIndex(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 || n > 1<<30 {
		return 0, badRequest("n", "n must be a positive whole number")
	}
	return n, nil
}

// handlePhoto answers GET /api/v1/reports/{id}/photos/{n}: the image as stored, with the type sniffed from its
// bytes when it was received, never sniffed again by the browser (nosniff), shown inline, with its SHA-256 as a
// strong ETag (304 on If-None-Match) and kept by private caches only.
func handlePhoto(log *slog.Logger, places *dispatch.Places, cases CaseReader, photos PhotoStore, actorOf actorFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, err := caseID(r); err != nil {
			writeError(w, r, log, err)
			return
		}
		n, err := photoIndex(r)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		c, err := photoCase(r, places, cases, actorOf)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		if photos == nil {
			writeError(w, r, log, fmt.Errorf("case %d photo %d: %w", c.ID, n, geo.ErrNotFound))
			return
		}
		p, err := photos.Photo(r.Context(), c.ID, n)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		switch p.ContentType { // what intake accepts; anything else is not served as an image
		case "image/jpeg", "image/png", "image/webp":
		default:
			writeError(w, r, log, fmt.Errorf("case %d photo %d has type %q", c.ID, n, p.ContentType))
			return
		}
		h := w.Header()
		etag := `"` + p.SHA256 + `"`
		h.Set("ETag", etag)
		privateHeaders(h)
		h.Set("X-Content-Type-Options", "nosniff")
		if etagMatch(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h.Set("Content-Type", p.ContentType)
		h.Set("Content-Disposition", "inline")
		h.Set("Content-Length", strconv.Itoa(len(p.Bytes)))
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = w.Write(p.Bytes)
		}
	}
}

// casePhotoURLs lists the URLs of a case's photos for a viewer who sees it in full (nil for anyone else).
func casePhotoURLs(ctx context.Context, photos PhotoStore, c dispatch.Case) ([]string, error) {
	if photos == nil {
		return nil, nil
	}
	list, err := photos.Photos(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	urls := make([]string, 0, len(list))
	for _, p := range list {
		urls = append(urls, photoURL(c.ID, p.Index))
	}
	return urls, nil
}
