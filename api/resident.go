package api

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"gridgov/dispatch"
)

// Residents who report through the web app are known by their device, not by name: on first use the app asks
// for a resident token whose subject is a random id ("device:" and 32 hex digits) and keeps it in the browser's
// storage. Reports sent with it carry that subject as the reporter, so the device can list its own cases
// (mine=true), follow them on the live feed and rate them. The token's unit is residentDeviceUnit, which is no
// unit code: a device resident is nobody's representative, so it rates only its own cases. A resident who wants
// to be a representative, or to follow cases across devices, gets a token issued for their community by staff
// (gridgov token --role resident --unit CODE --sub ID).
const (
	residentDeviceUnit = "device"
	residentDeviceTTL  = 365 * 24 * time.Hour
)

// handleResidentToken answers POST /api/v1/residents/token with {"token","subject","expires_at"}: a new
// anonymous resident identity for one device.
func handleResidentToken(log *slog.Logger, tokens *Tokens, now func() time.Time) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			writeError(w, r, log, err)
			return
		}
		a := dispatch.Actor{Role: dispatch.RoleResident, Unit: residentDeviceUnit, Subject: "device:" + hex.EncodeToString(b[:])}
		at := now()
		tok, err := tokens.Issue(a, residentDeviceTTL, at)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusCreated, map[string]any{"token": tok, "subject": a.Subject,
			"expires_at": at.Add(residentDeviceTTL).UTC().Truncate(time.Second)})
	}
}
