// Command kwire-franz is the interop driver for franz-go (github.com/twmb/franz-go/pkg/kgo).
//
//	kwire-franz produce --bootstrap B --topic T --count N [--key-prefix k] [--no-keys] [--headers]
//	                    [--acks 0|1|all] [--idempotence true|false]
//	                    [--compression none|gzip|snappy|lz4|zstd] [--value-size S] [--rate R]
//	                    [--timeout-s 60]
//	kwire-franz consume --bootstrap B --topic T --expect N [--timeout-s 60]
//	kwire-franz group --bootstrap B --topic T --group G [--stop-after N] [--idle-s 8] [--group-protocol classic|consumer]
//	                    [--assigned-file F] [--leave-on-file F] [--timeout-s 60]
//	kwire-franz admin --bootstrap B --topic T [--replication-factor 1] [--timeout-s 60]
//	kwire-franz perf --bootstrap B --topic T [--num-records N] ... (perf.go: producer/bench)
//
// produce and consume also take --security-protocol, --sasl-mechanism, --sasl-username,
// --sasl-password, --ssl-ca, --ssl-certificate and --ssl-key (security.go).
//
// Same record scheme and JSON line as the other drivers (tests/interop/README.md). The
// default franz-go partitioner hashes keys with Kafka's murmur2, like the Java client.
// Consumption is direct (no group): every partition from the start.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

const (
	client   = "franz-go"
	keySpace = 1000
)

type options struct {
	cmd         string
	bootstrap   string
	topic       string
	count       int
	expect      int
	keyPrefix   string
	noKeys      bool
	headers     bool
	acks        string
	idempotence string
	compression string
	valueSize   int
	rate        float64
	timeoutS    float64
	sec         security
	// admin
	replicationFactor int
	// group
	group     string
	stopAfter int
	idleS     float64
	// groupProtocol is classic (JoinGroup/SyncGroup) or consumer (KIP-848).
	groupProtocol string
	// assignedFile is created once the member owns partitions ("": none).
	assignedFile string
	// leaveOnFile: the member leaves (after stopAfter records, or idle for idleS counted from
	// the file's appearance) only once this file exists ("": no such wait).
	leaveOnFile string
	// commitLimit: only the first commitLimit records processed are committed (0: all).
	commitLimit int
	// progressFile gets a JSON line per event as it happens ("": none).
	progressFile string
}

func parse(args []string) (*options, error) {
	if len(args) == 0 || (args[0] != "produce" && args[0] != "consume" && args[0] != "group" && args[0] != "admin") {
		return nil, errors.New("usage: kwire-franz produce|consume|group|admin --bootstrap B --topic T ...")
	}
	o := &options{cmd: args[0]}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.StringVar(&o.bootstrap, "bootstrap", "", "seed brokers, comma separated")
	fs.StringVar(&o.topic, "topic", "", "topic")
	fs.Float64Var(&o.timeoutS, "timeout-s", 60, "overall timeout in seconds")
	o.sec.register(fs)
	if o.cmd == "produce" {
		fs.IntVar(&o.count, "count", -1, "records to produce")
		fs.StringVar(&o.keyPrefix, "key-prefix", "k", "key prefix")
		fs.BoolVar(&o.noKeys, "no-keys", false, "null keys")
		fs.BoolVar(&o.headers, "headers", false, "add seq/client headers")
		fs.StringVar(&o.acks, "acks", "all", "0|1|all")
		fs.StringVar(&o.idempotence, "idempotence", "", "true|false (default: true with acks=all)")
		fs.StringVar(&o.compression, "compression", "none", "none|gzip|snappy|lz4|zstd")
		fs.IntVar(&o.valueSize, "value-size", 100, "value size in bytes")
		fs.Float64Var(&o.rate, "rate", 0, "records per second, 0 = unlimited")
	} else if o.cmd == "group" {
		fs.StringVar(&o.group, "group", "", "group id")
		fs.IntVar(&o.stopAfter, "stop-after", 0, "leave the group after this many records (0: only when idle)")
		fs.Float64Var(&o.idleS, "idle-s", 8, "leave once no record came for this long since the last record or assignment")
		fs.StringVar(&o.groupProtocol, "group-protocol", "classic", "classic|consumer (KIP-848: franz-go's ServerSideBalancer)")
		fs.StringVar(&o.assignedFile, "assigned-file", "", "create this file once the member owns partitions")
		fs.StringVar(&o.leaveOnFile, "leave-on-file", "", "leave only once this file exists (after --stop-after records, or idle for --idle-s since it appeared)")
		fs.IntVar(&o.commitLimit, "commit-limit", 0, "commit only the first this many records processed (0: all)")
		fs.StringVar(&o.progressFile, "progress-file", "", "append a JSON line per event (assigned, processed, committed, full, left), flushed")
	} else if o.cmd == "admin" {
		fs.IntVar(&o.replicationFactor, "replication-factor", 1, "replication factor of the topic created")
	} else {
		fs.IntVar(&o.expect, "expect", -1, "records expected")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return nil, err
	}
	if o.bootstrap == "" || o.topic == "" || (o.cmd == "produce" && o.count < 0) || (o.cmd == "consume" && o.expect < 0) || (o.cmd == "group" && o.group == "") {
		return nil, errors.New("--bootstrap, --topic and --count (produce) or --expect (consume) are required")
	}
	if o.acks == "-1" {
		o.acks = "all"
	}
	if o.cmd == "produce" && o.idempotence == "" {
		o.idempotence = strconv.FormatBool(o.acks == "all")
	}
	if o.cmd == "produce" && o.idempotence != "true" && o.idempotence != "false" {
		return nil, errors.New("--idempotence must be true or false")
	}
	return o, nil
}

// ---------------------------------------------------------------------------------------------
// bookkeeping shared by produce and consume

type keyMap map[string]map[int32]bool

func (k keyMap) add(key []byte, p int32) {
	if key == nil {
		return
	}
	s := string(key)
	if k[s] == nil {
		k[s] = map[int32]bool{}
	}
	k[s][p] = true
}

type keySummary struct {
	Distinct  int              `json:"distinct"`
	Conflicts int              `json:"conflicts"`
	Digest    string           `json:"digest"`
	Sample    map[string]int32 `json:"sample"`
}

func (k keyMap) summary() keySummary {
	keys := make([]string, 0, len(k))
	for s := range k {
		keys = append(keys, s)
	}
	sort.Strings(keys) // byte order
	var lines bytes.Buffer
	out := keySummary{Distinct: len(keys), Sample: map[string]int32{}}
	for i, s := range keys {
		first := int32(-1)
		for p := range k[s] {
			if first < 0 || p < first {
				first = p
			}
		}
		if len(k[s]) > 1 {
			out.Conflicts++
		}
		fmt.Fprintf(&lines, "%s\t%d\n", s, first)
		if i < 5 {
			out.Sample[s] = first
		}
	}
	if len(keys) > 0 {
		sum := sha256.Sum256(lines.Bytes())
		out.Digest = hex.EncodeToString(sum[:8])
	}
	return out
}

func counts(m map[int32]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for p, n := range m {
		out[strconv.Itoa(int(p))] = n
	}
	return out
}

func seconds(t0 time.Time) float64 {
	return float64(time.Since(t0).Milliseconds()) / 1000
}

func emit(v any) {
	b, _ := json.Marshal(v)
	os.Stdout.Write(append(b, '\n'))
}

// ---------------------------------------------------------------------------------------------
// produce

type produceConfig struct {
	Acks        string  `json:"acks"`
	Idempotence string  `json:"idempotence"`
	Compression string  `json:"compression"`
	ValueSize   int     `json:"value_size"`
	Keys        bool    `json:"keys"`
	Headers     bool    `json:"headers"`
	Rate        float64 `json:"rate"`
}

type produceOut struct {
	Client      string           `json:"client"`
	Op          string           `json:"op"`
	Topic       string           `json:"topic"`
	Produced    int64            `json:"produced"`
	Acked       int64            `json:"acked"`
	Errors      int64            `json:"errors"`
	Partitions  map[string]int64 `json:"partitions"`
	Keys        keySummary       `json:"keys"`
	Seconds     float64          `json:"seconds"`
	Config      produceConfig    `json:"config"`
	ErrorSample []string         `json:"error_sample,omitempty"`
	Fatal       string           `json:"fatal,omitempty"`
}

func value(seq, size int) []byte {
	head := []byte(strconv.Itoa(seq) + ":")
	if size <= len(head) {
		return head
	}
	v := bytes.Repeat([]byte{'.'}, size)
	copy(v, head)
	return v
}

func produce(o *options) int {
	t0 := time.Now()
	timeout := time.Duration(o.timeoutS * float64(time.Second))
	var (
		mu         sync.Mutex
		acked      int64
		errs       int64
		sample     []string
		partitions = map[int32]int64{}
		keys       = keyMap{}
	)
	out := func(produced int64, fatal string) int {
		mu.Lock()
		defer mu.Unlock()
		emit(produceOut{
			Client: client, Op: "produce", Topic: o.topic, Produced: produced, Acked: acked, Errors: errs,
			Partitions: counts(partitions), Keys: keys.summary(), Seconds: seconds(t0),
			Config:      produceConfig{o.acks, o.idempotence, o.compression, o.valueSize, !o.noKeys, o.headers, o.rate},
			ErrorSample: sample, Fatal: fatal,
		})
		if fatal != "" || errs != 0 || acked != produced || produced != int64(o.count) {
			return 1
		}
		return 0
	}

	opts := []kgo.Opt{
		kgo.SeedBrokers(strings.Split(o.bootstrap, ",")...),
		kgo.ClientID("kwire-interop-franz-go"),
		kgo.AllowAutoTopicCreation(),
		// re-ask for metadata soon (default 5 s) after an unknown topic or a leader move
		kgo.MetadataMinAge(250 * time.Millisecond),
		kgo.ProducerLinger(5 * time.Millisecond),
		kgo.RecordDeliveryTimeout(timeout),
	}
	switch o.acks {
	case "0":
		opts = append(opts, kgo.RequiredAcks(kgo.NoAck()))
	case "1":
		opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()))
	case "all":
		opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
	default:
		return out(0, "bad --acks "+o.acks)
	}
	if o.idempotence == "false" {
		opts = append(opts, kgo.DisableIdempotentWrite())
	}
	switch o.compression {
	case "none":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.NoCompression()))
	case "gzip":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.GzipCompression()))
	case "snappy":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.SnappyCompression()))
	case "lz4":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.Lz4Compression()))
	case "zstd":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.ZstdCompression()))
	default:
		return out(0, "bad --compression "+o.compression)
	}
	sec, err := o.sec.opts()
	if err != nil {
		return out(0, err.Error())
	}
	cl, err := kgo.NewClient(append(opts, sec...)...)
	if err != nil {
		return out(0, err.Error())
	}
	defer cl.Close()
	if err := o.sec.checkLogin(cl, timeout); err != nil {
		return out(0, err.Error())
	}

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var produced int64
	paceStart := time.Now()
	for seq := 0; seq < o.count; seq++ {
		if o.rate > 0 {
			ahead := time.Until(paceStart.Add(time.Duration(float64(seq) / o.rate * float64(time.Second))))
			if ahead < -100*time.Millisecond {
				// Fell behind (a stall): move the schedule instead of bursting to catch up.
				paceStart = paceStart.Add(-ahead - 100*time.Millisecond)
			}
			if ahead > time.Millisecond {
				time.Sleep(ahead)
			}
		}
		r := &kgo.Record{Topic: o.topic, Value: value(seq, o.valueSize)}
		if !o.noKeys {
			r.Key = []byte(o.keyPrefix + strconv.Itoa(seq%keySpace))
		}
		if o.headers {
			r.Headers = []kgo.RecordHeader{{Key: "seq", Value: []byte(strconv.Itoa(seq))}, {Key: "client", Value: []byte(client)}}
		}
		cl.Produce(ctx, r, func(r *kgo.Record, err error) {
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs++
				if len(sample) < 5 {
					sample = append(sample, err.Error())
				}
				return
			}
			acked++
			partitions[r.Partition]++
			keys.add(r.Key, r.Partition)
		})
		produced++
	}
	fatal := ""
	if err := cl.Flush(ctx); err != nil {
		fatal = "flush: " + err.Error()
	}
	return out(produced, fatal)
}

// ---------------------------------------------------------------------------------------------
// consume

type headerStats struct {
	Seq      int64 `json:"seq"`
	Mismatch int64 `json:"mismatch"`
}

type consumeOut struct {
	Client          string           `json:"client"`
	Op              string           `json:"op"`
	Topic           string           `json:"topic"`
	Consumed        int64            `json:"consumed"`
	Distinct        int              `json:"distinct"`
	Expected        int              `json:"expected"`
	Missing         int              `json:"missing"`
	Duplicates      int64            `json:"duplicates"`
	OrderViolations int64            `json:"order_violations"`
	Invalid         int64            `json:"invalid"`
	Headers         headerStats      `json:"headers"`
	Partitions      map[string]int64 `json:"partitions"`
	Keys            keySummary       `json:"keys"`
	TimedOut        bool             `json:"timed_out"`
	Seconds         float64          `json:"seconds"`
	Fatal           string           `json:"fatal,omitempty"`
}

func parseSeq(v []byte) (int, bool) {
	i := bytes.IndexByte(v, ':')
	if i <= 0 || i > 10 {
		return 0, false
	}
	n, err := strconv.Atoi(string(v[:i]))
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

func consume(o *options) int {
	t0 := time.Now()
	timeout := time.Duration(o.timeoutS * float64(time.Second))
	res := consumeOut{Client: client, Op: "consume", Topic: o.topic, Expected: o.expect}
	seen := map[int]bool{}
	lastSeq := map[int32]int{}
	partitions := map[int32]int64{}
	next := map[int32]int64{} // next offset to read, per partition
	keys := keyMap{}
	finish := func(timedOut bool, fatal string) int {
		res.Distinct = len(seen)
		for s := 0; s < o.expect; s++ {
			if !seen[s] {
				res.Missing++
			}
		}
		res.Partitions = counts(partitions)
		res.Keys = keys.summary()
		res.TimedOut = timedOut
		res.Fatal = fatal
		res.Seconds = seconds(t0)
		emit(res)
		if timedOut || fatal != "" {
			return 1
		}
		return 0
	}

	sec, err := o.sec.opts()
	if err != nil {
		return finish(false, err.Error())
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(strings.Split(o.bootstrap, ",")...),
		kgo.ClientID("kwire-interop-franz-go"),
		kgo.MetadataMinAge(250 * time.Millisecond),
		kgo.ConsumeTopics(o.topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(200 * time.Millisecond),
	}, sec...)...)
	if err != nil {
		return finish(false, err.Error())
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var ends map[int32]int64
	for ctx.Err() == nil {
		pctx, pcancel := context.WithTimeout(ctx, 250*time.Millisecond)
		fs := cl.PollRecords(pctx, 5000)
		pcancel()
		if fs.IsClientClosed() {
			break
		}
		fs.EachError(func(t string, p int32, err error) {
			if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
				fmt.Fprintf(os.Stderr, "fetch %s/%d: %v\n", t, p, err)
			}
		})
		fs.EachRecord(func(r *kgo.Record) {
			res.Consumed++
			partitions[r.Partition]++
			next[r.Partition] = r.Offset + 1
			keys.add(r.Key, r.Partition)
			seq, ok := parseSeq(r.Value)
			if !ok {
				res.Invalid++
				return
			}
			if seen[seq] {
				res.Duplicates++
			} else {
				seen[seq] = true
			}
			if last, ok := lastSeq[r.Partition]; ok && seq <= last {
				res.OrderViolations++
			}
			lastSeq[r.Partition] = seq
			for _, h := range r.Headers {
				if h.Key == "seq" {
					res.Headers.Seq++
					if string(h.Value) != strconv.Itoa(seq) {
						res.Headers.Mismatch++
					}
				}
			}
		})
		if len(seen) >= o.expect {
			if ends == nil { // drain to the end offsets seen now, to catch duplicates
				listed, err := adm.ListEndOffsets(ctx, o.topic)
				if err != nil {
					fmt.Fprintf(os.Stderr, "list end offsets: %v\n", err)
					continue
				}
				if err := listed.Error(); err != nil {
					fmt.Fprintf(os.Stderr, "list end offsets: %v\n", err)
					continue
				}
				ends = map[int32]int64{}
				listed.Each(func(l kadm.ListedOffset) { ends[l.Partition] = l.Offset })
			}
			done := true
			for p, end := range ends {
				if end > 0 && next[p] < end {
					done = false
				}
			}
			if done {
				return finish(false, "")
			}
		}
	}
	return finish(true, "")
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "perf" {
		os.Exit(perf(os.Args[2:]))
	}
	o, err := parse(os.Args[1:])
	if err != nil {
		emit(map[string]string{"client": client, "op": "args", "fatal": err.Error()})
		os.Exit(2)
	}
	switch o.cmd {
	case "produce":
		os.Exit(produce(o))
	case "admin":
		os.Exit(admin(o))
	case "group":
		os.Exit(group(o))
	}
	os.Exit(consume(o))
}
