package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// groupOut is the JSON line of the group op (tests/interop/README.md).
type groupOut struct {
	Client          string           `json:"client"`
	Op              string           `json:"op"`
	Topic           string           `json:"topic"`
	Group           string           `json:"group"`
	Consumed        int64            `json:"consumed"`
	Distinct        int              `json:"distinct"`
	Duplicates      int64            `json:"duplicates"`
	OrderViolations int64            `json:"order_violations"`
	Invalid         int64            `json:"invalid"`
	Seqs            []int            `json:"seqs"`
	Partitions      map[string]int64 `json:"partitions"`
	Assignments     [][]int32        `json:"assignments"`
	AssignedAt      []float64        `json:"assigned_at"`
	EndedAt         float64          `json:"ended_at"`
	Commits         int              `json:"commits"`
	Committed       map[string]int64 `json:"committed"`
	CommitErrors    []string         `json:"commit_errors"`
	TimedOut        bool             `json:"timed_out"`
	Seconds         float64          `json:"seconds"`
	Fatal           string           `json:"fatal,omitempty"`
}

// group runs one member of a consumer group with franz-go's default balancer
// (cooperative-sticky): it records every change of the partitions it owns, commits what it
// processed after each poll, and leaves (Close sends LeaveGroup) after --stop-after records
// (processing nothing more) or --idle-s without records, in both cases only once
// --leave-on-file exists (if given; idleness counts from its appearance).
func group(o *options) int {
	t0 := time.Now()
	res := groupOut{Client: client, Op: "group", Topic: o.topic, Group: o.group,
		Assignments: [][]int32{}, AssignedAt: []float64{}, CommitErrors: []string{}}
	seen := map[int]bool{}
	lastSeq := map[int32]int{}
	partitions := map[int32]int64{}
	committed := map[int32]int64{}
	var mu sync.Mutex
	owned := map[int32]bool{}
	lastActivity := time.Now()
	var progress *os.File
	if o.progressFile != "" {
		f, err := os.OpenFile(o.progressFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			fmt.Fprintf(os.Stderr, "progress file: %v\n", err)
			return 2
		}
		defer f.Close()
		progress = f
	}
	// event appends one --progress-file line, written through at once (a killed member's
	// record of what it did).
	event := func(ev string, fields map[string]any) {
		if progress == nil {
			return
		}
		fields["ev"] = ev
		fields["at"] = unixSeconds(time.Now())
		b, _ := json.Marshal(fields)
		_, _ = progress.Write(append(b, '\n'))
	}
	wasFull := false
	snapshot := func() {
		ps := []int32{}
		for p := range owned {
			ps = append(ps, p)
		}
		sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
		if len(ps) > 0 && o.assignedFile != "" {
			if f, err := os.Create(o.assignedFile); err == nil {
				f.Close()
			}
		}
		res.Assignments = append(res.Assignments, ps)
		res.AssignedAt = append(res.AssignedAt, unixSeconds(time.Now()))
		lastActivity = time.Now()
		event("assigned", map[string]any{"owned": ps})
	}
	change := func(add bool) func(context.Context, *kgo.Client, map[string][]int32) {
		return func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			mu.Lock()
			defer mu.Unlock()
			for _, p := range m[o.topic] {
				if add {
					owned[p] = true
				} else {
					delete(owned, p)
				}
			}
			if len(m[o.topic]) > 0 {
				snapshot()
			}
		}
	}
	finish := func(timedOut bool, fatal string) int {
		mu.Lock()
		defer mu.Unlock()
		res.Distinct = len(seen)
		res.Seqs = make([]int, 0, len(seen))
		for s := range seen {
			res.Seqs = append(res.Seqs, s)
		}
		sort.Ints(res.Seqs)
		res.Partitions = counts(partitions)
		res.Committed = counts(committed)
		res.TimedOut = timedOut
		res.Fatal = fatal
		res.Seconds = seconds(t0)
		res.EndedAt = unixSeconds(time.Now())
		event("left", map[string]any{"timed_out": timedOut})
		emit(res)
		if timedOut || fatal != "" {
			return 1
		}
		return 0
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(strings.Split(o.bootstrap, ",")...),
		kgo.ClientID("kwire-interop-franz-go"),
		kgo.ConsumerGroup(o.group),
		kgo.ConsumeTopics(o.topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
		kgo.FetchMaxWait(200 * time.Millisecond),
		kgo.OnPartitionsAssigned(change(true)),
		kgo.OnPartitionsRevoked(change(false)),
		kgo.OnPartitionsLost(change(false)),
	}
	switch o.groupProtocol {
	case "classic":
		opts = append(opts, kgo.SessionTimeout(10*time.Second), kgo.HeartbeatInterval(time.Second))
	case "consumer":
		// KIP-848 needs a sticky or range balancer first in the list; the broker assigns.
		opts = append(opts, kgo.ServerSideBalancer(), kgo.Balancers(kgo.CooperativeStickyBalancer()))
	default:
		return finish(false, "unknown --group-protocol "+o.groupProtocol)
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return finish(false, err.Error())
	}
	defer cl.Close()
	idle := time.Duration(o.idleS * float64(time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(o.timeoutS*float64(time.Second)))
	defer cancel()
	// full: --stop-after records were processed; the member processes no more.
	full := func() bool {
		mu.Lock()
		defer mu.Unlock()
		isFull := o.stopAfter > 0 && res.Consumed >= int64(o.stopAfter)
		if isFull && !wasFull {
			wasFull = true
			event("full", map[string]any{"consumed": res.Consumed})
		}
		return isFull
	}
	fileSeen := o.leaveOnFile == ""
	done := func() bool {
		if !fileSeen {
			if _, err := os.Stat(o.leaveOnFile); err != nil {
				return false
			}
			fileSeen = true
			mu.Lock()
			lastActivity = time.Now() // idleness counts from here
			mu.Unlock()
		}
		if full() {
			return true
		}
		mu.Lock()
		defer mu.Unlock()
		return len(res.Assignments) > 0 && time.Since(lastActivity) >= idle
	}
	for ctx.Err() == nil {
		pctx, pcancel := context.WithTimeout(ctx, 500*time.Millisecond)
		fs := cl.PollRecords(pctx, 100)
		pcancel()
		if fs.IsClientClosed() {
			break
		}
		var processed []*kgo.Record
		var batch [][3]int64
		for _, r := range fs.Records() {
			if full() {
				break // the rest is dropped unprocessed and uncommitted: the next owner reads it
			}
			mu.Lock()
			res.Consumed++
			partitions[r.Partition]++
			lastActivity = time.Now()
			seq, ok := parseSeq(r.Value)
			if !ok {
				seq = -1
			}
			batch = append(batch, [3]int64{int64(r.Partition), r.Offset, int64(seq)})
			commit := o.commitLimit == 0 || res.Consumed <= int64(o.commitLimit)
			if !ok {
				res.Invalid++
			} else {
				if seen[seq] {
					res.Duplicates++
				}
				seen[seq] = true
				if last, ok := lastSeq[r.Partition]; ok && seq <= last {
					res.OrderViolations++
				}
				lastSeq[r.Partition] = seq
			}
			mu.Unlock()
			if commit {
				processed = append(processed, r)
			}
		}
		if len(batch) > 0 {
			event("processed", map[string]any{"recs": batch})
		}
		if len(processed) > 0 {
			if err := cl.CommitRecords(ctx, processed...); err != nil {
				fmt.Fprintf(os.Stderr, "commit: %v\n", err)
				mu.Lock()
				if len(res.CommitErrors) < 5 {
					res.CommitErrors = append(res.CommitErrors, err.Error())
				}
				event("commit_failed", map[string]any{"error": err.Error()})
				mu.Unlock()
			} else {
				mu.Lock()
				res.Commits++
				offsets := map[string]int64{}
				for _, r := range processed {
					committed[r.Partition] = r.Offset + 1
					offsets[fmt.Sprint(r.Partition)] = r.Offset + 1
				}
				event("committed", map[string]any{"offsets": offsets})
				mu.Unlock()
			}
		}
		if done() {
			return finish(false, "")
		}
	}
	return finish(true, "")
}

// unixSeconds is t as Unix seconds with milliseconds, to line up members' timelines (the
// judge measures how long a rebalance took from one member's leave to another's assignment).
func unixSeconds(t time.Time) float64 {
	return float64(t.UnixMilli()) / 1000
}
