package dispatch

import "time"

// StoredPhoto is a photo as kept with its case: where it stands among the case's photos and which step added it.
// Bytes (in Photo) are filled only when the image itself is read.
type StoredPhoto struct {
	Photo
	Index     int       // 1-based, in the order the photos were stored
	Size      int       // bytes
	CreatedAt time.Time // when it was stored
	EventID   int64     // the workflow event that added it; 0 for a photo sent with a report
	Action    string    // that event's action ("resolve", …); "" with EventID 0
}
