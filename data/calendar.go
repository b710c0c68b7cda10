package data

import (
	"bytes"
	"embed"
	"fmt"
	"os"

	"gridgov/dispatch"
)

//go:embed calendars/*.json
var calendars embed.FS

// DefaultCalendarName is the working-time calendar that ships with gridgov: mainland China's public holidays and
// make-up working days as the State Council announces them for each year.
const DefaultCalendarName = "calendars/cn-2026.json"

// LoadCalendar reads a working-time calendar from a JSON file, or the shipped one when path is "".
func LoadCalendar(path string) (*dispatch.Calendar, error) {
	var raw []byte
	var err error
	if path == "" {
		raw, err = calendars.ReadFile(DefaultCalendarName)
	} else {
		raw, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	cal, err := dispatch.LoadCalendar(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("calendar %s: %w", path, err)
	}
	return cal, nil
}
