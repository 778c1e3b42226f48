// Command kwire-blast is a wire-level Produce load for tests/interop/mock/throughput.sh: it
// measures a broker's ingest capacity with a client that costs next to nothing per record.
//
//	kwire-blast --bootstrap B --topic T --count N [--value-size 100] [--batch-records 500]
//	            [--conns-per-broker 1] [--in-flight 5] [--acks all|1] [--idempotence=true]
//	            [--timeout-s 120]
//
// The topic must exist (throughput.sh creates it with a one-record warm-up). kwire-blast asks
// for its leaders (Metadata v1), for a producer id when idempotent (InitProducerId v1), then
// sends Produce v7 requests, each with one record batch v2 per partition the connection owns
// (every partition belongs to exactly one connection to its leader, so sequences stay in
// order), keeping up to --in-flight requests outstanding per connection. Records are keyed
// (k0..k999) with --value-size byte values, uncompressed. The records of a batch are encoded
// once; each batch sent gets its own base sequence and a fresh CRC-32C over its bytes, so the
// broker verifies a real checksum every time. Any error code ends the run (no retries).
//
// Prints one JSON line: {"client":"kwire-blast","records":acked,"errors":E,"seconds":S,
// "rate":records/s,"requests":R,"batches":B,...}; exit 0 only when every record was acked.
// Standard library only.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type options struct {
	bootstrap      string
	topic          string
	count          int
	valueSize      int
	batchRecords   int
	connsPerBroker int
	inFlight       int
	acks           string
	idempotence    bool
	timeoutS       float64
}

type result struct {
	Client      string         `json:"client"`
	Records     int64          `json:"records"`
	Errors      int64          `json:"errors"`
	Seconds     float64        `json:"seconds"`
	Rate        float64        `json:"rate"`
	Requests    int64          `json:"requests"`
	Batches     int64          `json:"batches"`
	Connections int            `json:"connections"`
	Partitions  int            `json:"partitions"`
	Config      map[string]any `json:"config"`
	ErrorSample []string       `json:"error_sample,omitempty"`
	Fatal       string         `json:"fatal,omitempty"`
}

// ---------------------------------------------------------------------------------------------
// encoding helpers

type enc struct{ b []byte }

func (e *enc) i8(v int8)   { e.b = append(e.b, byte(v)) }
func (e *enc) i16(v int16) { e.b = binary.BigEndian.AppendUint16(e.b, uint16(v)) }
func (e *enc) i32(v int32) { e.b = binary.BigEndian.AppendUint32(e.b, uint32(v)) }
func (e *enc) i64(v int64) { e.b = binary.BigEndian.AppendUint64(e.b, uint64(v)) }
func (e *enc) str(s string) {
	e.i16(int16(len(s)))
	e.b = append(e.b, s...)
}
func (e *enc) varint(v int64) { e.b = binary.AppendVarint(e.b, v) } // zigzag, as Kafka's

type dec struct {
	b   []byte
	err error
}

func (d *dec) take(n int) []byte {
	if d.err != nil || n < 0 || n > len(d.b) {
		d.err = errors.New("short response")
		return make([]byte, max(n, 0))
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}
func (d *dec) i16() int16 { return int16(binary.BigEndian.Uint16(d.take(2))) }
func (d *dec) i32() int32 { return int32(binary.BigEndian.Uint32(d.take(4))) }
func (d *dec) i64() int64 { return int64(binary.BigEndian.Uint64(d.take(8))) }
func (d *dec) str() string {
	n := d.i16()
	if n < 0 {
		return ""
	}
	return string(d.take(int(n)))
}
func (d *dec) count() int {
	n := int(d.i32())
	if n < 0 {
		return 0
	}
	if n > len(d.b) {
		d.err = errors.New("count larger than the response")
		return 0
	}
	return n
}

const clientID = "kwire-blast"

// request frames a request with header v1 (every request here is non-flexible).
func request(api, version int16, corr int32, body []byte) []byte {
	e := enc{b: make([]byte, 0, 4+10+len(clientID)+len(body))}
	e.i32(0)
	e.i16(api)
	e.i16(version)
	e.i32(corr)
	e.str(clientID)
	e.b = append(e.b, body...)
	binary.BigEndian.PutUint32(e.b, uint32(len(e.b)-4))
	return e.b
}

// readFrame reads one response frame; returns its correlation id and body (header v0).
func readFrame(r io.Reader, buf []byte) (int32, []byte, []byte, error) {
	var hdr [8]byte
	if _, err := io.ReadFull(r, hdr[:4]); err != nil {
		return 0, nil, buf, err
	}
	n := int(binary.BigEndian.Uint32(hdr[:4]))
	if n < 4 || n > 64<<20 {
		return 0, nil, buf, fmt.Errorf("bad response size %d", n)
	}
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		return 0, nil, buf, err
	}
	return int32(binary.BigEndian.Uint32(buf[:4])), buf[4:], buf, nil
}

func roundTrip(c net.Conn, api, version int16, body []byte) ([]byte, error) {
	if err := c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return nil, err
	}
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write(request(api, version, 1, body)); err != nil {
		return nil, err
	}
	corr, b, _, err := readFrame(c, nil)
	if err != nil {
		return nil, err
	}
	if corr != 1 {
		return nil, fmt.Errorf("correlation id %d, want 1", corr)
	}
	return b, nil
}

// ---------------------------------------------------------------------------------------------
// metadata and producer id

type partition struct {
	index  int32
	leader int32
}

func metadata(c net.Conn, topic string) (map[int32]string, []partition, error) {
	e := enc{}
	e.i32(1)
	e.str(topic)
	b, err := roundTrip(c, 3, 1, e.b)
	if err != nil {
		return nil, nil, err
	}
	d := dec{b: b}
	brokers := map[int32]string{}
	for n := d.count(); n > 0; n-- {
		id := d.i32()
		host := d.str()
		port := d.i32()
		d.str() // rack (nullable)
		brokers[id] = net.JoinHostPort(host, strconv.Itoa(int(port)))
	}
	d.i32() // controller id
	var parts []partition
	for n := d.count(); n > 0; n-- {
		terr := d.i16()
		name := d.str()
		d.take(1) // is_internal
		for m := d.count(); m > 0; m-- {
			perr := d.i16()
			idx := d.i32()
			leader := d.i32()
			for k := d.count(); k > 0; k-- {
				d.i32()
			}
			for k := d.count(); k > 0; k-- {
				d.i32()
			}
			if name == topic && perr == 0 {
				parts = append(parts, partition{idx, leader})
			}
		}
		if name == topic && terr != 0 {
			return nil, nil, fmt.Errorf("metadata: topic error %d", terr)
		}
	}
	if d.err != nil {
		return nil, nil, d.err
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].index < parts[j].index })
	return brokers, parts, nil
}

func initProducerID(c net.Conn) (int64, int16, error) {
	e := enc{}
	e.i16(-1)    // transactional_id: null
	e.i32(60000) // transaction_timeout_ms
	b, err := roundTrip(c, 22, 1, e.b)
	if err != nil {
		return 0, 0, err
	}
	d := dec{b: b}
	d.i32() // throttle
	code := d.i16()
	pid := d.i64()
	epoch := d.i16()
	if d.err != nil {
		return 0, 0, d.err
	}
	if code != 0 {
		return 0, 0, fmt.Errorf("InitProducerId error %d", code)
	}
	return pid, epoch, nil
}

// ---------------------------------------------------------------------------------------------
// record batches

const (
	offCRC      = 17
	offCRCFrom  = 21
	offPID      = 43
	offEpoch    = 51
	offBaseSeq  = 53
	batchHeader = 61
)

// batchTemplate encodes n records (keys k<first..>, values of size bytes) with zero in the
// producer fields and CRC; patch and checksum it per send.
func batchTemplate(n, first, size int, ts int64) []byte {
	value := make([]byte, size)
	for i := range value {
		value[i] = byte('a' + i%26)
	}
	recs := enc{}
	rec := enc{}
	for i := range n {
		key := "k" + strconv.Itoa((first+i)%1000)
		rec.b = rec.b[:0]
		rec.i8(0)     // attributes
		rec.varint(0) // timestamp delta
		rec.varint(int64(i))
		rec.varint(int64(len(key)))
		rec.b = append(rec.b, key...)
		rec.varint(int64(len(value)))
		rec.b = append(rec.b, value...)
		rec.varint(0) // headers
		recs.varint(int64(len(rec.b)))
		recs.b = append(recs.b, rec.b...)
	}
	e := enc{b: make([]byte, 0, batchHeader+len(recs.b))}
	e.i64(0)                                     // base offset
	e.i32(int32(batchHeader - 12 + len(recs.b))) // batch length
	e.i32(-1)                                    // partition leader epoch
	e.i8(2)                                      // magic
	e.i32(0)                                     // crc
	e.i16(0)                                     // attributes
	e.i32(int32(n - 1))                          // last offset delta
	e.i64(ts)                                    // base timestamp
	e.i64(ts)                                    // max timestamp
	e.i64(-1)                                    // producer id
	e.i16(-1)                                    // producer epoch
	e.i32(-1)                                    // base sequence
	e.i32(int32(n))                              // record count
	e.b = append(e.b, recs.b...)
	return e.b
}

// ---------------------------------------------------------------------------------------------
// the load

type shared struct {
	o        *options
	acks     int16
	pid      int64
	epoch    int16
	ts       int64
	acked    atomic.Int64
	requests atomic.Int64
	batches  atomic.Int64
	errs     atomic.Int64
	mu       sync.Mutex
	sample   []string
	stop     atomic.Bool
}

func (s *shared) fail(msg string) {
	s.errs.Add(1)
	s.stop.Store(true)
	s.mu.Lock()
	if len(s.sample) < 5 {
		s.sample = append(s.sample, msg)
	}
	s.mu.Unlock()
}

type owned struct {
	index int32
	left  int // records still to send
	seq   int32
}

// connLoad drives one connection: pipelined Produce requests for its partitions.
func connLoad(s *shared, addr string, parts []*owned, deadline time.Time) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		s.fail("dial " + addr + ": " + err.Error())
		return
	}
	defer c.Close()
	_ = c.SetDeadline(deadline)
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	templates := map[int][]byte{}
	tmpl := func(n int) []byte {
		t, ok := templates[n]
		if !ok {
			t = batchTemplate(n, 0, s.o.valueSize, s.ts)
			templates[n] = t
		}
		return t
	}
	// Records per request, by correlation id, so the reader can count them.
	type sent struct{ records []int }
	window := make(chan sent, s.o.inFlight-1) // the reader holds one more while it waits
	done := make(chan struct{})
	go func() {
		defer close(done)
		r := bufio.NewReaderSize(c, 64<<10)
		var buf []byte
		var body []byte
		var corr int32
		var err error
		for want := int32(1); ; want++ {
			req, ok := <-window
			if !ok {
				return
			}
			corr, body, buf, err = readFrame(r, buf)
			if err != nil {
				s.fail("read: " + err.Error())
				return
			}
			if corr != want {
				s.fail(fmt.Sprintf("correlation id %d, want %d", corr, want))
				return
			}
			d := dec{b: body}
			i := 0
			for n := d.count(); n > 0; n-- {
				d.str()
				for m := d.count(); m > 0; m-- {
					idx := d.i32()
					code := d.i16()
					d.i64() // base offset
					d.i64() // log append time
					d.i64() // log start offset
					if d.err == nil && code != 0 {
						s.fail(fmt.Sprintf("partition %d: error code %d", idx, code))
					} else if d.err == nil && i < len(req.records) {
						s.acked.Add(int64(req.records[i]))
					}
					i++
				}
			}
			if d.err != nil {
				s.fail("produce response: " + d.err.Error())
				return
			}
		}
	}()
	w := enc{}
	corr := int32(0)
	for !s.stop.Load() {
		var counts []int
		w.b = w.b[:0]
		w.i32(0)
		w.i16(0) // Produce
		w.i16(7)
		corr++
		w.i32(corr)
		w.str(clientID)
		w.i16(-1) // transactional id
		w.i16(s.acks)
		w.i32(30000)
		w.i32(1)
		w.str(s.o.topic)
		nparts := 0
		countAt := len(w.b)
		w.i32(0)
		for _, p := range parts {
			if p.left == 0 {
				continue
			}
			n := min(p.left, s.o.batchRecords)
			t := tmpl(n)
			w.i32(p.index)
			w.i32(int32(len(t)))
			at := len(w.b)
			w.b = append(w.b, t...)
			b := w.b[at:]
			if s.o.idempotence {
				binary.BigEndian.PutUint64(b[offPID:], uint64(s.pid))
				binary.BigEndian.PutUint16(b[offEpoch:], uint16(s.epoch))
				binary.BigEndian.PutUint32(b[offBaseSeq:], uint32(p.seq))
				p.seq += int32(n)
			}
			binary.BigEndian.PutUint32(b[offCRC:], crc32.Checksum(b[offCRCFrom:], castagnoli))
			p.left -= n
			counts = append(counts, n)
			nparts++
		}
		if nparts == 0 {
			break
		}
		binary.BigEndian.PutUint32(w.b[countAt:], uint32(nparts))
		binary.BigEndian.PutUint32(w.b, uint32(len(w.b)-4))
		window <- sent{counts} // blocks while --in-flight requests are outstanding
		if _, err := c.Write(w.b); err != nil {
			s.fail("write: " + err.Error())
			break
		}
		s.requests.Add(1)
		s.batches.Add(int64(nparts))
	}
	close(window)
	<-done
}

func run(o *options) result {
	res := result{Client: clientID, Config: map[string]any{
		"value_size": o.valueSize, "batch_records": o.batchRecords, "conns_per_broker": o.connsPerBroker,
		"in_flight": o.inFlight, "acks": o.acks, "idempotence": o.idempotence,
	}}
	s := &shared{o: o, ts: time.Now().UnixMilli()}
	switch o.acks {
	case "all", "-1":
		s.acks = -1
	case "1":
		s.acks = 1
	default:
		res.Fatal = "bad --acks " + o.acks
		return res
	}
	deadline := time.Now().Add(time.Duration(o.timeoutS * float64(time.Second)))
	boot := strings.Split(o.bootstrap, ",")[0]
	c, err := net.Dial("tcp", boot)
	if err != nil {
		res.Fatal = err.Error()
		return res
	}
	var brokers map[int32]string
	var parts []partition
	for {
		brokers, parts, err = metadata(c, o.topic)
		if err == nil && len(parts) > 0 {
			break
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = errors.New("no partition with a leader")
			}
			c.Close()
			res.Fatal = "metadata: " + err.Error()
			return res
		}
		time.Sleep(200 * time.Millisecond)
	}
	if o.idempotence {
		s.pid, s.epoch, err = initProducerID(c)
		if err != nil {
			c.Close()
			res.Fatal = err.Error()
			return res
		}
	}
	c.Close()
	// Spread the records over the partitions, then the partitions over connections.
	byLeader := map[int32][]*owned{}
	var leaders []int32
	for i, p := range parts {
		n := o.count / len(parts)
		if i < o.count%len(parts) {
			n++
		}
		if _, ok := byLeader[p.leader]; !ok {
			leaders = append(leaders, p.leader)
		}
		byLeader[p.leader] = append(byLeader[p.leader], &owned{index: p.index, left: n})
	}
	var wg sync.WaitGroup
	t0 := time.Now()
	for _, l := range leaders {
		addr, ok := brokers[l]
		if !ok {
			res.Fatal = fmt.Sprintf("leader %d not among the brokers", l)
			return res
		}
		ps := byLeader[l]
		k := min(o.connsPerBroker, len(ps))
		for ci := range k {
			var mine []*owned
			for j := ci; j < len(ps); j += k {
				mine = append(mine, ps[j])
			}
			res.Connections++
			wg.Add(1)
			go func() {
				defer wg.Done()
				connLoad(s, addr, mine, deadline)
			}()
		}
	}
	wg.Wait()
	secs := time.Since(t0).Seconds()
	res.Records = s.acked.Load()
	res.Errors = s.errs.Load()
	res.Seconds = float64(int64(secs*1000)) / 1000
	if secs > 0 {
		res.Rate = float64(int64(float64(res.Records) / secs))
	}
	res.Requests = s.requests.Load()
	res.Batches = s.batches.Load()
	res.Partitions = len(parts)
	res.ErrorSample = s.sample
	return res
}

func main() {
	o := &options{}
	fs := flag.NewFlagSet("kwire-blast", flag.ExitOnError)
	fs.StringVar(&o.bootstrap, "bootstrap", "", "seed broker host:port[,...]")
	fs.StringVar(&o.topic, "topic", "", "topic (must exist)")
	fs.IntVar(&o.count, "count", 1000000, "records to produce")
	fs.IntVar(&o.valueSize, "value-size", 100, "value size in bytes")
	fs.IntVar(&o.batchRecords, "batch-records", 500, "records per batch")
	fs.IntVar(&o.connsPerBroker, "conns-per-broker", 1, "connections per leader broker")
	fs.IntVar(&o.inFlight, "in-flight", 5, "outstanding requests per connection")
	fs.StringVar(&o.acks, "acks", "all", "all|1")
	fs.BoolVar(&o.idempotence, "idempotence", true, "idempotent batches (producer id, sequences)")
	fs.Float64Var(&o.timeoutS, "timeout-s", 120, "overall timeout in seconds")
	_ = fs.Parse(os.Args[1:])
	if o.bootstrap == "" || o.topic == "" || o.count <= 0 || o.batchRecords <= 0 || o.inFlight <= 0 || o.connsPerBroker <= 0 {
		fmt.Fprintln(os.Stderr, "usage: kwire-blast --bootstrap B --topic T --count N [options]")
		os.Exit(2)
	}
	res := run(o)
	b, _ := json.Marshal(res)
	os.Stdout.Write(append(b, '\n'))
	if res.Fatal != "" || res.Errors != 0 || res.Records != int64(o.count) {
		os.Exit(1)
	}
}
