package main

// perf is franz-go's side of producer/bench/compare.sh, in the manner of Kafka's
// ProducerPerformance:
//
//	kwire-franz perf --bootstrap B --topic T [--num-records N] [--record-size S] [--key-count K]
//	                 [--throughput R] [-X key=value]...
//
// N records of S random uppercase letters (keyed "k<i % K>" with --key-count), produced as fast
// as kgo takes them (Produce blocks while MaxBufferedRecords are buffered) or paced to R records/s;
// one warm-up record is delivered first and not counted. Prints one JSON line: records/s, CPU
// time of the process per record (getrusage, GC included) and latency percentiles of every
// record (Produce to promise).
//
// -X takes Kafka's config names and maps them to kgo options: acks, enable.idempotence,
// linger.ms, batch.size (ProducerBatchMaxBytes), compression.type, max.in.flight.requests.per.connection
// (only without idempotence), security.protocol and ssl.ca.location. Anything else is an
// error, so a comparison never silently runs with a setting franz-go did not get. Without -X
// franz-go runs at its defaults, except compression: kgo's default is snappy, the other
// clients' none, so this driver sets none unless compression.type says otherwise.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

type perfOptions struct {
	bootstrap  string
	topic      string
	n          int
	size       int
	keyCount   int
	throughput float64
	x          [][2]string
}

func parsePerf(args []string) (*perfOptions, error) {
	o := &perfOptions{n: 1_000_000, size: 100}
	for i := 0; i < len(args); i += 2 {
		if i+1 >= len(args) {
			return nil, fmt.Errorf("%s needs a value", args[i])
		}
		v := args[i+1]
		var err error
		switch args[i] {
		case "--bootstrap":
			o.bootstrap = v
		case "--topic":
			o.topic = v
		case "--num-records":
			o.n, err = strconv.Atoi(v)
		case "--record-size":
			o.size, err = strconv.Atoi(v)
		case "--key-count":
			o.keyCount, err = strconv.Atoi(v)
		case "--throughput":
			o.throughput, err = strconv.ParseFloat(v, 64)
		case "-X":
			k, val, ok := strings.Cut(v, "=")
			if !ok {
				return nil, fmt.Errorf("-X needs key=value, got %q", v)
			}
			o.x = append(o.x, [2]string{k, val})
		default:
			return nil, fmt.Errorf("unknown argument %s", args[i])
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", args[i], err)
		}
	}
	if o.bootstrap == "" || o.topic == "" || o.n < 1 {
		return nil, errors.New("--bootstrap and --topic are required, --num-records >= 1")
	}
	return o, nil
}

// perfOpts maps the -X settings (Kafka's names) to kgo options.
func perfOpts(x [][2]string) ([]kgo.Opt, error) {
	opts := []kgo.Opt{kgo.ProducerBatchCompression(kgo.NoCompression())}
	sec := security{protocol: "PLAINTEXT"}
	for _, kv := range x {
		k, v := kv[0], kv[1]
		ms := func() (time.Duration, error) {
			n, err := strconv.Atoi(v)
			return time.Duration(n) * time.Millisecond, err
		}
		var err error
		switch k {
		case "acks":
			switch v {
			case "all", "-1":
				opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
			case "1":
				opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()))
			case "0":
				opts = append(opts, kgo.RequiredAcks(kgo.NoAck()))
			default:
				err = errors.New("0, 1 or all")
			}
		case "enable.idempotence":
			if v == "false" {
				opts = append(opts, kgo.DisableIdempotentWrite())
			} else if v != "true" {
				err = errors.New("true or false")
			}
		case "linger.ms":
			var d time.Duration
			if d, err = ms(); err == nil {
				opts = append(opts, kgo.ProducerLinger(d))
			}
		case "batch.size":
			var n int
			if n, err = strconv.Atoi(v); err == nil {
				opts = append(opts, kgo.ProducerBatchMaxBytes(int32(n)))
			}
		case "max.in.flight.requests.per.connection":
			var n int
			if n, err = strconv.Atoi(v); err == nil {
				opts = append(opts, kgo.MaxProduceRequestsInflightPerBroker(n))
			}
		case "compression.type":
			var c kgo.CompressionCodec
			switch v {
			case "none":
				c = kgo.NoCompression()
			case "gzip":
				c = kgo.GzipCompression()
			case "snappy":
				c = kgo.SnappyCompression()
			case "lz4":
				c = kgo.Lz4Compression()
			case "zstd":
				c = kgo.ZstdCompression()
			default:
				err = errors.New("none, gzip, snappy, lz4 or zstd")
			}
			opts = append(opts, kgo.ProducerBatchCompression(c))
		case "security.protocol":
			sec.protocol = v
		case "ssl.ca.location":
			sec.caFile = v
		default:
			err = errors.New("not mapped to a franz-go option by this driver")
		}
		if err != nil {
			return nil, fmt.Errorf("-X %s=%s: %w", k, v, err)
		}
	}
	so, err := sec.opts()
	return append(opts, so...), err
}

func perf(args []string) int {
	o, err := parsePerf(args)
	if err != nil {
		emit(map[string]string{"client": client, "op": "perf", "fatal": err.Error()})
		return 2
	}
	opts, err := perfOpts(o.x)
	if err != nil {
		emit(map[string]string{"client": client, "op": "perf", "fatal": err.Error()})
		return 2
	}
	opts = append(opts, kgo.SeedBrokers(strings.Split(o.bootstrap, ",")...),
		kgo.DefaultProduceTopic(o.topic), kgo.ClientID("kwire-bench-franz-go"),
		// The topics are fresh: created on first use, as the other clients have them created.
		kgo.AllowAutoTopicCreation())
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		emit(map[string]string{"client": client, "op": "perf", "fatal": err.Error()})
		return 2
	}
	defer cl.Close()
	rng := rand.New(rand.NewSource(42))
	payload := make([]byte, o.size)
	for i := range payload {
		payload[i] = byte('A' + rng.Intn(26))
	}
	keys := make([][]byte, o.keyCount)
	for i := range keys {
		keys[i] = []byte("k" + strconv.Itoa(i))
	}
	ctx := context.Background()
	warm, cancel := context.WithTimeout(ctx, 60*time.Second)
	err = cl.ProduceSync(warm, &kgo.Record{Value: payload}).FirstErr()
	cancel()
	if err != nil {
		emit(map[string]string{"client": client, "op": "perf", "fatal": "warm-up record: " + err.Error()})
		return 1
	}
	// Latency of every record in microseconds (-1: failed), written by the promises.
	lat := make([]int64, o.n)
	var ok, failed atomic.Int64
	var firstErr atomic.Value
	cpu0 := cpuTime()
	t0 := time.Now()
	var perRecord time.Duration
	if o.throughput > 0 {
		perRecord = time.Duration(float64(time.Second) / o.throughput)
	}
	for i := 0; i < o.n; i++ {
		if perRecord > 0 {
			if wait := time.Until(t0.Add(time.Duration(i) * perRecord)); wait > 0 {
				time.Sleep(wait)
			}
		}
		r := &kgo.Record{Value: payload}
		if o.keyCount > 0 {
			r.Key = keys[i%o.keyCount]
		}
		idx, sent := i, time.Now()
		cl.Produce(ctx, r, func(_ *kgo.Record, err error) {
			if err != nil {
				lat[idx] = -1
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
				return
			}
			lat[idx] = time.Since(sent).Microseconds()
			ok.Add(1)
		})
	}
	if err := cl.Flush(ctx); err != nil {
		firstErr.CompareAndSwap(nil, err.Error())
	}
	secs := time.Since(t0).Seconds()
	cpu := cpuTime() - cpu0
	good := lat[:0:0]
	for _, l := range lat {
		if l >= 0 {
			good = append(good, l)
		}
	}
	sort.Slice(good, func(a, b int) bool { return good[a] < good[b] })
	pct := func(p float64) float64 {
		if len(good) == 0 {
			return 0
		}
		i := min(max(int(math.Ceil(float64(len(good))*p)), 1), len(good)) - 1
		return math.Round(float64(good[i])/10) / 100
	}
	n := ok.Load()
	out := map[string]any{
		"client": client, "records": n, "failed": failed.Load(),
		"seconds":         math.Round(secs*1000) / 1000,
		"records_per_sec": math.Round(float64(n)/secs*10) / 10,
		"mb_per_sec":      math.Round(float64(n)*float64(o.size)/secs/1048576*100) / 100,
		"p50_ms":          pct(0.5), "p99_ms": pct(0.99), "p999_ms": pct(0.999),
		"cpu_seconds":       math.Round(cpu*1000) / 1000,
		"cpu_us_per_record": math.Round(cpu*1e6/float64(max(n, 1))*1000) / 1000,
	}
	if e, _ := firstErr.Load().(string); e != "" {
		out["first_error"] = e
	}
	emit(out)
	if n != int64(o.n) || failed.Load() != 0 {
		return 1
	}
	return 0
}

// cpuTime is the user + system CPU time of this process in seconds.
func cpuTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
