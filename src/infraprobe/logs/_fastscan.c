/* Compiled helpers for the log scan's per-line work (see infraprobe/logs/native.py and docs/logs.md).
 *
 * Python does the same work when this module is not built; every function here has a pure-Python twin
 * whose answer it must equal exactly (tests/logs/test_native.py):
 *
 *   count_newlines   bytes.count(b"\n", start, stop), 16 bytes at a time (SSE2) instead of one.
 *   escaped_or_wide  prefilter._escaped_or_wide: a backslash before `end` (memchr) or a byte >= 0x80
 *                    anywhere, 64 bytes a step (SSE2) instead of bytes.find + bytes.isascii.
 *   Ends             a hyperscan match handler (a C callable, no Python frame per match) that keeps the
 *                    match ends; `line_starts` is prefilter._starts_of over them.
 *   template         memo.ByteTokens: memo._VARIABLE_BYTES applied to ASCII bytes, as its regex does.
 *   FastPath.line    timestamps.IsoStart.line (the one-line event's stamp, its end, the next line's stamp).
 *   FastPath.run     Chunk.events + Chunk._simple + Aggregator.simple over a run of candidate lines whose
 *                    byte template the aggregator's fast table already holds: their counts (events, per
 *                    template count and first/last time, per-minute per-cause histogram) are kept here
 *                    until `drain`; the run stops at the first candidate that needs Python. It also counts
 *                    a traceback whose lines below its timestamped first line are a block the scan has
 *                    seen (`block`, as Chunk._span takes it) when the line after them starts the next
 *                    event, and the template of its whole text is in the table (Aggregator._known_event).
 *
 * Times are integers: microseconds since the epoch (what a datetime of the scan holds exactly).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* The interface native.py expects (its API): bump both whenever a function, type or argument changes,
 * so an extension built from older source (an editable install not rebuilt) is refused, not misread. */
#define FASTSCAN_API 4

#define HEAD 80          /* timestamps._HEAD: a stamp must end within a line's first 80 bytes */
#define MAX_MINUTES 4096 /* timestamps._MAX_CACHED: the minute cache starts again when this full */
#define CAUSE_BITS 10    /* a histogram key is minute << CAUSE_BITS | cause */
#define MAX_EVENT_BYTES (256 * 1024) /* chunks.MAX_EVENT_BYTES (tests/logs/test_native.py compares them) */
#define BLOCKS_CAP 1024  /* the block table: at most blocks.MAX_BLOCKS (256) of them, a quarter full */
#define MAX_BLOCKS 256

/* ---------------------------------------------------------------- bytes */

/* Byte classes, filled in by the module's init: `\w` of a bytes pattern is ASCII letters, digits and `_`. */
enum { DIGIT = 1, HEX = 2, WORD = 4, DASH = 8 };
static unsigned char CLASS[256];

static void init_classes(void)
{
    for (int c = 0; c < 256; c++) {
        int lower = c | 0x20, digit = c >= '0' && c <= '9';
        CLASS[c] = (unsigned char)((digit ? DIGIT : 0) | (digit || (lower >= 'a' && lower <= 'f') ? HEX : 0) |
                                   (digit || (lower >= 'a' && lower <= 'z') || c == '_' ? WORD : 0) |
                                   (c == '-' ? DASH : 0));
    }
}

static inline int is_digit(unsigned char c) { return CLASS[c] & DIGIT; }
static inline int is_hex(unsigned char c) { return CLASS[c] & HEX; }
static inline int is_word(unsigned char c) { return CLASS[c] & WORD; }

static Py_ssize_t count_nl(const unsigned char *p, Py_ssize_t n)
{
    Py_ssize_t total = 0;
#ifdef __SSE2__
    const __m128i nl = _mm_set1_epi8('\n');
    while (n >= 16) {
        /* Per-byte-lane counters of up to 255, summed by psadbw before they can wrap. */
        Py_ssize_t blocks = n / 16 > 255 ? 255 : n / 16;
        __m128i acc = _mm_setzero_si128();
        for (Py_ssize_t k = 0; k < blocks; k++, p += 16)
            acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)p), nl));
        __m128i sums = _mm_sad_epu8(acc, _mm_setzero_si128());
        total += _mm_cvtsi128_si32(sums) + _mm_extract_epi16(sums, 4);
        n -= blocks * 16;
    }
#endif
    for (; n > 0; n--)
        total += *p++ == '\n';
    return total;
}

/* The last newline in p[0:stop), or -1 (bytes.rfind). */
static Py_ssize_t rfind_nl(const unsigned char *p, Py_ssize_t stop)
{
    while (stop > 0)
        if (p[--stop] == '\n')
            return stop;
    return -1;
}

/* The first newline in p[start:len), or -1 (bytes.find). */
static Py_ssize_t find_nl(const unsigned char *p, Py_ssize_t start, Py_ssize_t len)
{
    if (start >= len)
        return -1;
    const unsigned char *hit = memchr(p + start, '\n', (size_t)(len - start));
    return hit ? hit - p : -1;
}

/* Whether p[0:n) is ASCII without NUL (bytes.isascii() and no b"\x00"), eight bytes at a time. */
static int ascii_no_nul(const unsigned char *p, Py_ssize_t n)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    Py_ssize_t k = 0;
    for (; k + 8 <= n; k += 8) {
        uint64_t w;
        memcpy(&w, p + k, 8);
        /* a high bit set, or (with none set) a zero byte */
        if ((w & highs) || ((w - ones) & ~w & highs))
            return 0;
    }
    for (; k < n; k++)
        if (p[k] == 0 || p[k] >= 0x80)
            return 0;
    return 1;
}

static int get_buffer(PyObject *obj, Py_buffer *view)
{
    return PyObject_GetBuffer(obj, view, PyBUF_SIMPLE);
}

/* ---------------------------------------------------------------- count_newlines */

static PyObject *count_newlines(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "count_newlines(data, start, stop)");
        return NULL;
    }
    Py_ssize_t start = PyLong_AsSsize_t(args[1]), stop = PyLong_AsSsize_t(args[2]);
    if (PyErr_Occurred())
        return NULL;
    Py_buffer view;
    if (get_buffer(args[0], &view) < 0)
        return NULL;
    /* Slice semantics for non-negative bounds (the scanner never passes negative ones). */
    if (start < 0 || stop < 0) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "count_newlines takes non-negative bounds");
        return NULL;
    }
    if (stop > view.len)
        stop = view.len;
    Py_ssize_t found = start < stop ? count_nl((const unsigned char *)view.buf + start, stop - start) : 0;
    PyBuffer_Release(&view);
    return PyLong_FromSsize_t(found);
}

/* ---------------------------------------------------------------- escaped_or_wide */

/* Whether p[0:n) holds a byte >= 0x80. */
static int any_high(const unsigned char *p, Py_ssize_t n)
{
    Py_ssize_t k = 0;
#ifdef __SSE2__
    for (; k + 64 <= n; k += 64) {
        __m128i a = _mm_or_si128(_mm_loadu_si128((const __m128i *)(p + k)),
                                 _mm_loadu_si128((const __m128i *)(p + k + 16)));
        __m128i b = _mm_or_si128(_mm_loadu_si128((const __m128i *)(p + k + 32)),
                                 _mm_loadu_si128((const __m128i *)(p + k + 48)));
        if (_mm_movemask_epi8(_mm_or_si128(a, b)))
            return 1;
    }
#endif
    for (; k < n; k++)
        if (p[k] & 0x80)
            return 1;
    return 0;
}

static PyObject *escaped_or_wide(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "escaped_or_wide(data, end)");
        return NULL;
    }
    Py_ssize_t end = PyLong_AsSsize_t(args[1]);
    if (end == -1 && PyErr_Occurred())
        return NULL;
    if (end < 0) {
        PyErr_SetString(PyExc_ValueError, "escaped_or_wide takes a non-negative end");
        return NULL;
    }
    Py_buffer view;
    if (get_buffer(args[0], &view) < 0)
        return NULL;
    const unsigned char *p = view.buf;
    Py_ssize_t stop = end < view.len ? end : view.len;
    int found = (stop > 0 && memchr(p, '\\', (size_t)stop) != NULL) || any_high(p, view.len);
    PyBuffer_Release(&view);
    return PyBool_FromLong(found);
}

/* ---------------------------------------------------------------- line starts */

static int cmp_ssize(const void *a, const void *b)
{
    Py_ssize_t x = *(const Py_ssize_t *)a, y = *(const Py_ssize_t *)b;
    return (x > y) - (x < y);
}

/* prefilter._starts_of: the start of each line holding a match end, ascending, each line once. */
static PyObject *starts_of(const unsigned char *chunk, Py_ssize_t len, Py_ssize_t *ends, Py_ssize_t n)
{
    int sorted = 1;
    for (Py_ssize_t k = 1; k < n && sorted; k++)
        sorted = ends[k - 1] <= ends[k];
    if (!sorted)
        qsort(ends, (size_t)n, sizeof *ends, cmp_ssize);
    PyObject *starts = PyList_New(0);
    if (starts == NULL)
        return NULL;
    Py_ssize_t line_end = -1;
    for (Py_ssize_t k = 0; k < n; k++) {
        Py_ssize_t to = ends[k];
        if (to <= line_end)
            continue; /* another pattern on a line already taken */
        Py_ssize_t at = to - 1 > 0 ? to - 1 : 0;
        if (at > len)
            at = len;
        PyObject *start = PyLong_FromSsize_t(rfind_nl(chunk, at) + 1);
        if (start == NULL || PyList_Append(starts, start) < 0) {
            Py_XDECREF(start);
            Py_DECREF(starts);
            return NULL;
        }
        Py_DECREF(start);
        Py_ssize_t newline = find_nl(chunk, at, len);
        line_end = newline < 0 ? len : newline;
    }
    return starts;
}

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    Py_ssize_t *ends;
    Py_ssize_t len, cap;
} Ends;

static int ends_push(Ends *self, Py_ssize_t value)
{
    if (self->len == self->cap) {
        Py_ssize_t cap = self->cap ? self->cap * 2 : 1024;
        Py_ssize_t *grown = PyMem_Realloc(self->ends, (size_t)cap * sizeof *grown);
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        self->ends = grown;
        self->cap = cap;
    }
    self->ends[self->len++] = value;
    return 0;
}

/* hyperscan calls its match handler with (id, from, to, flags, context): only `to` is kept. */
static PyObject *Ends_vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (nargs < 3 || (kwnames != NULL && PyTuple_GET_SIZE(kwnames))) {
        PyErr_SetString(PyExc_TypeError, "Ends(id, from, to, flags, context)");
        return NULL;
    }
    Py_ssize_t to = PyLong_AsSsize_t(args[2]);
    if (to == -1 && PyErr_Occurred())
        return NULL;
    if (ends_push((Ends *)callable, to) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *Ends_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    if (PyTuple_GET_SIZE(args) || (kwargs && PyDict_GET_SIZE(kwargs))) {
        PyErr_SetString(PyExc_TypeError, "Ends() takes no arguments");
        return NULL;
    }
    Ends *self = (Ends *)type->tp_alloc(type, 0);
    if (self != NULL)
        self->vectorcall = Ends_vectorcall;
    return (PyObject *)self;
}

static void Ends_dealloc(Ends *self)
{
    PyMem_Free(self->ends);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Ends_add(Ends *self, PyObject *arg)
{
    Py_ssize_t to = PyLong_AsSsize_t(arg);
    if ((to == -1 && PyErr_Occurred()) || ends_push(self, to) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *Ends_take(Ends *self, PyObject *unused)
{
    PyObject *out = PyList_New(self->len);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t k = 0; k < self->len; k++) {
        PyObject *value = PyLong_FromSsize_t(self->ends[k]);
        if (value == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, k, value);
    }
    self->len = 0;
    return out;
}

static PyObject *Ends_line_starts(Ends *self, PyObject *chunk)
{
    Py_buffer view;
    if (get_buffer(chunk, &view) < 0)
        return NULL;
    PyObject *starts = starts_of(view.buf, view.len, self->ends, self->len);
    PyBuffer_Release(&view);
    self->len = 0;
    return starts;
}

static Py_ssize_t Ends_length(Ends *self) { return self->len; }

static PyMethodDef Ends_methods[] = {
    {"add", (PyCFunction)Ends_add, METH_O, "Keep one more match end."},
    {"take", (PyCFunction)Ends_take, METH_NOARGS, "The match ends kept so far, in arrival order; forgets them."},
    {"line_starts", (PyCFunction)Ends_line_starts, METH_O,
     "prefilter._starts_of(chunk, sorted(ends)); forgets the ends."},
    {NULL},
};

static PySequenceMethods Ends_sequence = {.sq_length = (lenfunc)Ends_length};

static PyTypeObject EndsType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "infraprobe.logs._fastscan.Ends",
    .tp_basicsize = sizeof(Ends),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "A hyperscan match handler that keeps the match ends.",
    .tp_new = Ends_new,
    .tp_dealloc = (destructor)Ends_dealloc,
    .tp_vectorcall_offset = offsetof(Ends, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_methods = Ends_methods,
    .tp_as_sequence = &Ends_sequence,
};

/* ---------------------------------------------------------------- template */

/* memo._VARIABLE_BYTES at position p of s[0:n), where its look-behind and guard allow a match (p starts a
 * run of [\w-] bytes, s[p] a hex digit): the end of the alternative the regex takes, or 0 for none. Each
 * alternative ends on a word character, so its `\b` or `(?![\w-])` only looks at the byte after it, and a
 * greedy run that fails there cannot succeed shorter (the byte it gives back is a word character). */
static Py_ssize_t variable_at(const unsigned char *s, Py_ssize_t n, Py_ssize_t p)
{
    Py_ssize_t hex_end = p, q;
    int digit = 0, letter = 0;
    for (; hex_end < n && is_hex(s[hex_end]); hex_end++) {
        digit |= is_digit(s[hex_end]);
        letter |= !is_digit(s[hex_end]);
    }
    if (!is_digit(s[p]) && hex_end - p < 8)
        return 0; /* a word such as "error": only the 8+ hex digit alternatives start with a letter */
    /* UUID: 8-4-4-4-12 hex digits, then \b */
    if (hex_end - p == 8 && n - p >= 36) {
        static const signed char dashes[] = {8, 13, 18, 23};
        int ok = 1;
        for (int k = 0; k < 36 && ok; k++)
            ok = (k == dashes[0] || k == dashes[1] || k == dashes[2] || k == dashes[3]) ? s[p + k] == '-'
                                                                                          : is_hex(s[p + k]);
        if (ok && (p + 36 == n || !is_word(s[p + 36])))
            return p + 36;
    }
    /* 0x[0-9a-f]+\b */
    if (s[p] == '0' && p + 1 < n && (s[p + 1] | 0x20) == 'x') {
        for (q = p + 2; q < n && is_hex(s[q]); q++)
            ;
        if (q > p + 2 && (q == n || !is_word(s[q])))
            return q;
    }
    /* (?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b: one hex run holding a digit and a letter */
    if (digit && letter && hex_end - p >= 8 && (hex_end == n || !is_word(s[hex_end])))
        return hex_end;
    /* \d{1,3}(?:\.\d{1,3}){3}\b: a run of more than three digits never matches \d{1,3} followed by a
     * dot or a boundary */
    q = p;
    for (int g = 0; g < 4; g++) {
        Py_ssize_t run = 0;
        while (q + run < n && is_digit(s[q + run]))
            run++;
        if (run < 1 || run > 3)
            break;
        q += run;
        if (g < 3) {
            if (q >= n || s[q] != '.')
                break;
            q++;
        } else if (q == n || !is_word(s[q])) {
            return q;
        }
    }
    /* \d{6,}(?![\w-]) */
    for (q = p; q < n && is_digit(s[q]); q++)
        ;
    if (q - p >= 6 && (q == n || !(is_word(s[q]) || s[q] == '-')))
        return q;
    return 0;
}

/* The template of s[0:n) into out (at most n bytes): each variable token replaced by one NUL. Masking
 * the whole text equals masking it token by token (ByteTokens): the pattern never matches a space and
 * reads one like the edge of the text. Only the first byte of a run of [\w-] bytes passes the pattern's
 * look-behind; the bytes between matches are copied in one piece. */
static Py_ssize_t template_of(const unsigned char *s, Py_ssize_t n, unsigned char *out)
{
    Py_ssize_t p = 0, w = 0, from = 0;
    for (;;) {
        while (p < n && !(CLASS[s[p]] & (WORD | DASH)))
            p++;
        if (p == n)
            break;
        /* p starts a run of [\w-] bytes: the only place in it where (?<![\w-]) holds */
        Py_ssize_t end = (CLASS[s[p]] & HEX) ? variable_at(s, n, p) : 0;
        if (end) {
            memcpy(out + w, s + from, (size_t)(p - from));
            w += p - from;
            out[w++] = 0;
            from = p = end; /* a match ends on a word character: what follows in the run stays */
        }
        while (p < n && (CLASS[s[p]] & (WORD | DASH)))
            p++;
    }
    memcpy(out + w, s + from, (size_t)(n - from));
    return w + n - from;
}

static PyObject *template(PyObject *module, PyObject *arg)
{
    Py_buffer view;
    if (get_buffer(arg, &view) < 0)
        return NULL;
    PyObject *out = PyBytes_FromStringAndSize(NULL, view.len);
    if (out != NULL) {
        Py_ssize_t n = template_of(view.buf, view.len, (unsigned char *)PyBytes_AS_STRING(out));
        if (_PyBytes_Resize(&out, n) < 0)
            out = NULL;
    }
    PyBuffer_Release(&view);
    return out;
}

/* ---------------------------------------------------------------- stamps */

/* timestamps._STAMP at b[start:]: (\d{4}-\d\d-\d\d[T ]\d\d:\d\d):([0-5]\d)(?:[.,](\d++))?+, no zone
 * after it, no byte >= 0x80 after it. */
typedef struct {
    Py_ssize_t end;       /* where the match ends */
    Py_ssize_t fraction;  /* where the fraction's digits start (0: none) */
    int second;
} Stamp;

static int zone_at(const unsigned char *b, Py_ssize_t len, Py_ssize_t q)
{
    if (q >= len)
        return 0;
    if (b[q] == 'Z')
        return 1;
    if (b[q] != '+' && b[q] != '-')
        return 0;
#define D(k) (q + (k) < len && is_digit(b[q + (k)]))
    /* [+-]\d\d:?\d\d: with the colon first (greedy), then without it */
    if (!(D(1) && D(2)))
        return 0;
    if (q + 3 < len && b[q + 3] == ':' && D(4) && D(5))
        return 1;
    return D(3) && D(4);
#undef D
}

static int zone_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' || (c >= 0x1c && c <= 0x1f);
}

static int stamp_at(const unsigned char *b, Py_ssize_t len, Py_ssize_t start, Stamp *out)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:sd";
    if (start < 0 || len - start < 19)
        return 0;
    const unsigned char *s = b + start;
    for (int k = 0; k < 19; k++) {
        unsigned char c = s[k];
        switch (shape[k]) {
        case 'd':
            if (!is_digit(c))
                return 0;
            break;
        case 's':
            if (c < '0' || c > '5')
                return 0;
            break;
        case 'T':
            if (c != 'T' && c != ' ')
                return 0;
            break;
        default:
            if (c != (unsigned char)shape[k])
                return 0;
        }
    }
    Py_ssize_t end = start + 19;
    out->fraction = 0;
    if (end + 1 < len && (b[end] == '.' || b[end] == ',') && is_digit(b[end + 1])) {
        out->fraction = end + 1;
        for (end += 1; end < len && is_digit(b[end]); end++)
            ;
    }
    if (zone_at(b, len, end) || (end < len && zone_space(b[end]) && zone_at(b, len, end + 1)))
        return 0;
    if (end < len && b[end] >= 0x80)
        return 0;
    out->end = end;
    out->second = (s[17] - '0') * 10 + (s[18] - '0');
    return 1;
}

/* The first six digits of a fraction, padded to microseconds. */
static int64_t micros(const unsigned char *digits, Py_ssize_t n)
{
    int64_t us = 0;
    for (int k = 0; k < 6; k++)
        us = us * 10 + (k < n ? digits[k] - '0' : 0);
    return us;
}

/* A stamp at b[at:] that ends within the line's first HEAD bytes, the only kind IsoStart reads (the
 * scan's every stamp test is this one: written once so they cannot disagree). */
static inline int head_stamp(const unsigned char *b, Py_ssize_t len, Py_ssize_t at, Stamp *stamp)
{
    return stamp_at(b, len, at, stamp) && stamp->end - at <= HEAD;
}

/* ---------------------------------------------------------------- FastPath */

/* What a template's lines are (`put`): counted into a slot (>= 0), or not counted at all (another
 * component's), or left to Python's general path (its verdict is unknown: Drain's). */
enum { SLOT_NOT_COUNTED = -1, SLOT_UNEXPLAINED = -2 };

typedef struct {
    uint64_t hash;
    unsigned char *key; /* NULL: empty */
    Py_ssize_t len;
    int slot; /* a slot, SLOT_NOT_COUNTED or SLOT_UNEXPLAINED */
    int cause;
    int line; /* a multi-line template's evidence line (memo verdict's), for texts over evidence_chars */
} Entry;

/* The lines below a traceback's first line, by the bytes of the first of them (Chunk._known_block). */
typedef struct {
    uint64_t hash;
    unsigned char *key; /* NULL: empty */
    Py_ssize_t len;
    unsigned char *data; /* the block's bytes, each line with its newline */
    Py_ssize_t size;
} BlockEntry;

typedef struct {
    int64_t count, first, last;
} Slot;

typedef struct {
    int64_t key, value; /* key -1: empty */
} Pair;

typedef struct {
    PyObject_HEAD
    PyObject *minute_of;   /* bytes (a stamp's minute) -> minutes since the epoch, or None */
    PyObject *exact_texts; /* the memo's texts with a verdict of their own (a dict; usually empty) */
    Py_ssize_t evidence_chars, max_line;
    int has_since, has_until;
    int64_t since, until;
    Pair *minutes; /* stamp minute key -> minutes since the epoch, or INT64_MIN: not a time */
    Py_ssize_t minutes_cap, minutes_used;
    Entry *entries; /* byte templates of the aggregator's fast table */
    Py_ssize_t entries_cap, entries_used;
    Slot *slots;
    Py_ssize_t slots_cap;
    Pair *histogram; /* minute << CAUSE_BITS | cause -> events */
    Py_ssize_t histogram_cap, histogram_used;
    int64_t events;
    unsigned char *scratch; /* a template being built (at most scratch_cap bytes) */
    Py_ssize_t scratch_cap;
    BlockEntry *blocks; /* BLOCKS_CAP of them */
    Py_ssize_t blocks_used;
} FastPath;

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

static uint64_t hash_bytes(const unsigned char *p, Py_ssize_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)n;
    Py_ssize_t k = 0;
    for (; k + 8 <= n; k += 8) {
        uint64_t w;
        memcpy(&w, p + k, 8);
        h = mix(h ^ w);
    }
    uint64_t tail = 0;
    memcpy(&tail, p + k, (size_t)(n - k));
    return mix(h ^ tail ^ ((uint64_t)(n - k) << 56));
}

/* Open addressing, linear probing, capacity a power of two, at most half full. */
static Pair *pairs_find(Pair *table, Py_ssize_t cap, int64_t key)
{
    Py_ssize_t mask = cap - 1, at = (Py_ssize_t)(mix((uint64_t)key) & (uint64_t)mask);
    while (table[at].key != -1 && table[at].key != key)
        at = (at + 1) & mask;
    return &table[at];
}

static Pair *pairs_alloc(Py_ssize_t cap)
{
    Pair *table = PyMem_Malloc((size_t)cap * sizeof *table);
    if (table == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t k = 0; k < cap; k++)
        table[k].key = -1;
    return table;
}

/* The slot for `key`, made (value 0) if new; NULL on memory error. */
static Pair *pairs_slot(Pair **table, Py_ssize_t *cap, Py_ssize_t *used, int64_t key)
{
    if (2 * (*used + 1) > *cap) {
        Py_ssize_t grown_cap = *cap * 2;
        Pair *grown = pairs_alloc(grown_cap);
        if (grown == NULL)
            return NULL;
        for (Py_ssize_t k = 0; k < *cap; k++)
            if ((*table)[k].key != -1)
                *pairs_find(grown, grown_cap, (*table)[k].key) = (*table)[k];
        PyMem_Free(*table);
        *table = grown;
        *cap = grown_cap;
    }
    Pair *pair = pairs_find(*table, *cap, key);
    if (pair->key == -1) {
        pair->key = key;
        pair->value = 0;
        ++*used;
    }
    return pair;
}

static Entry *entries_find(Entry *table, Py_ssize_t cap, uint64_t hash, const unsigned char *key, Py_ssize_t len)
{
    Py_ssize_t mask = cap - 1, at = (Py_ssize_t)(hash & (uint64_t)mask);
    while (table[at].key != NULL &&
           !(table[at].hash == hash && table[at].len == len && memcmp(table[at].key, key, (size_t)len) == 0))
        at = (at + 1) & mask;
    return &table[at];
}

static int entries_grow(FastPath *self)
{
    Py_ssize_t cap = self->entries_cap * 2;
    Entry *grown = PyMem_Calloc((size_t)cap, sizeof *grown);
    if (grown == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t k = 0; k < self->entries_cap; k++) {
        Entry *e = &self->entries[k];
        if (e->key != NULL)
            *entries_find(grown, cap, e->hash, e->key, e->len) = *e;
    }
    PyMem_Free(self->entries);
    self->entries = grown;
    self->entries_cap = cap;
    return 0;
}

static BlockEntry *blocks_find(BlockEntry *table, uint64_t hash, const unsigned char *key, Py_ssize_t len)
{
    Py_ssize_t mask = BLOCKS_CAP - 1, at = (Py_ssize_t)(hash & (uint64_t)mask);
    while (table[at].key != NULL &&
           !(table[at].hash == hash && table[at].len == len && memcmp(table[at].key, key, (size_t)len) == 0))
        at = (at + 1) & mask;
    return &table[at];
}

static void blocks_clear(FastPath *self)
{
    if (self->blocks == NULL)
        return;
    for (Py_ssize_t k = 0; k < BLOCKS_CAP; k++) {
        PyMem_Free(self->blocks[k].key);
        PyMem_Free(self->blocks[k].data);
        self->blocks[k].key = self->blocks[k].data = NULL;
    }
    self->blocks_used = 0;
}

static void FastPath_dealloc(FastPath *self)
{
    Py_XDECREF(self->minute_of);
    Py_XDECREF(self->exact_texts);
    if (self->entries != NULL)
        for (Py_ssize_t k = 0; k < self->entries_cap; k++)
            PyMem_Free(self->entries[k].key);
    PyMem_Free(self->entries);
    PyMem_Free(self->minutes);
    PyMem_Free(self->slots);
    PyMem_Free(self->histogram);
    PyMem_Free(self->scratch);
    blocks_clear(self);
    PyMem_Free(self->blocks);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int optional_int64(PyObject *value, int *present, int64_t *out)
{
    *present = value != Py_None;
    if (*present) {
        *out = PyLong_AsLongLong(value);
        if (*out == -1 && PyErr_Occurred())
            return -1;
    }
    return 0;
}

static PyObject *FastPath_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"minute_of", "exact_texts", "evidence_chars", "max_line", "since", "until", NULL};
    PyObject *minute_of, *exact_texts, *since = Py_None, *until = Py_None;
    Py_ssize_t evidence_chars, max_line;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO!nn|OO:FastPath", kwlist, &minute_of, &PyDict_Type,
                                     &exact_texts, &evidence_chars, &max_line, &since, &until))
        return NULL;
    if (evidence_chars < 0 || evidence_chars > (1 << 24)) {
        PyErr_SetString(PyExc_ValueError, "evidence_chars out of range");
        return NULL;
    }
    FastPath *self = (FastPath *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    Py_INCREF(minute_of);
    Py_INCREF(exact_texts);
    self->minute_of = minute_of;
    self->exact_texts = exact_texts;
    self->evidence_chars = evidence_chars;
    self->max_line = max_line;
    if (optional_int64(since, &self->has_since, &self->since) < 0 ||
        optional_int64(until, &self->has_until, &self->until) < 0)
        goto fail;
    self->minutes_cap = 4 * MAX_MINUTES;
    self->histogram_cap = 1024;
    self->entries_cap = 1024;
    self->minutes = pairs_alloc(self->minutes_cap);
    self->histogram = pairs_alloc(self->histogram_cap);
    self->entries = PyMem_Calloc((size_t)self->entries_cap, sizeof(Entry));
    self->scratch_cap = evidence_chars + 1;
    self->scratch = PyMem_Malloc((size_t)self->scratch_cap);
    self->blocks = PyMem_Calloc(BLOCKS_CAP, sizeof(BlockEntry));
    if (self->minutes == NULL || self->histogram == NULL || self->entries == NULL || self->scratch == NULL ||
        self->blocks == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    return (PyObject *)self;
fail:
    Py_DECREF(self);
    return NULL;
}

/* Minutes since the epoch of a stamp's "YYYY-MM-DD?HH:MM" (b[0:16]), through `minute_of` once per
 * distinct minute; INT64_MIN when it is no time (month 13, before 1970). -2 on error (raised). */
static int64_t epoch_minute(FastPath *self, const unsigned char *b)
{
    int64_t key = 0;
    for (int k = 0; k < 16; k++)
        if (is_digit(b[k]))
            key = key * 10 + (b[k] - '0');
    key = key * 2 + (b[10] == 'T');
    Pair *known = pairs_find(self->minutes, self->minutes_cap, key);
    if (known->key == key)
        return known->value;
    PyObject *answer = PyObject_CallFunction(self->minute_of, "y#", (const char *)b, (Py_ssize_t)16);
    if (answer == NULL)
        return -2;
    int64_t minute = INT64_MIN;
    if (answer != Py_None) {
        minute = PyLong_AsLongLong(answer);
        if (minute == -1 && PyErr_Occurred()) {
            Py_DECREF(answer);
            return -2;
        }
    }
    Py_DECREF(answer);
    if (self->minutes_used >= MAX_MINUTES) { /* memory stays flat, as IsoStart's cache */
        for (Py_ssize_t k = 0; k < self->minutes_cap; k++)
            self->minutes[k].key = -1;
        self->minutes_used = 0;
    }
    Pair *slot = pairs_find(self->minutes, self->minutes_cap, key);
    slot->key = key;
    slot->value = minute;
    self->minutes_used++;
    return minute;
}

typedef struct {
    int64_t when, minute;
    Py_ssize_t body_at, stop;
} Line;

/* `line` for the event whose stamp at b[start:] is `stamp` in epoch minute `minute`, its text ending at
 * `stop`: its time in microseconds (the stamp's seconds and fraction added), as both readers report it. */
static inline void set_line(Line *line, const unsigned char *b, Py_ssize_t start, const Stamp *stamp,
                            int64_t minute, Py_ssize_t stop)
{
    int64_t fraction = stamp->fraction ? micros(b + stamp->fraction, stamp->end - stamp->fraction) : 0;
    line->when = minute * 60000000 + (int64_t)stamp->second * 1000000 + fraction;
    line->minute = minute;
    line->body_at = stamp->end - start;
    line->stop = stop;
}

/* IsoStart.line: 1 and `line` set, 0 (None), -1 on error. */
static int line_at(FastPath *self, const unsigned char *b, Py_ssize_t len, Py_ssize_t start, Line *line)
{
    Stamp stamp, next;
    if (!head_stamp(b, len, start, &stamp))
        return 0;
    Py_ssize_t stop = find_nl(b, stamp.end, len);
    if (stop < 0 || !head_stamp(b, len, stop + 1, &next))
        return 0;
    if (!ascii_no_nul(b + stamp.end, stop - stamp.end))
        return 0;
    int64_t minute = epoch_minute(self, b + start), after;
    if (minute == -2)
        return -1;
    if (minute == INT64_MIN)
        return 0;
    after = epoch_minute(self, b + stop + 1);
    if (after == -2)
        return -1;
    if (after == INT64_MIN)
        return 0;
    set_line(line, b, start, &stamp, minute, stop);
    return 1;
}

static PyObject *FastPath_line(FastPath *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "line(data, start)");
        return NULL;
    }
    Py_ssize_t start = PyLong_AsSsize_t(args[1]);
    if (start == -1 && PyErr_Occurred())
        return NULL;
    Py_buffer view;
    if (get_buffer(args[0], &view) < 0)
        return NULL;
    const unsigned char *b = view.buf;
    Line line;
    int found = line_at(self, b, view.len, start, &line);
    PyObject *out = NULL;
    if (found > 0)
        out = Py_BuildValue("LLnny#", (long long)line.when, (long long)line.minute, line.body_at, line.stop,
                            (const char *)b + start + line.body_at, line.stop - start - line.body_at);
    else if (found == 0)
        out = Py_NewRef(Py_None);
    PyBuffer_Release(&view);
    return out;
}

static PyObject *FastPath_block(FastPath *self, PyObject *args)
{
    Py_buffer key, data;
    if (!PyArg_ParseTuple(args, "y*y*:block", &key, &data))
        return NULL;
    PyObject *out = NULL;
    if (key.len > data.len || memcmp(key.buf, data.buf, (size_t)key.len) != 0) {
        PyErr_SetString(PyExc_ValueError, "a block starts with its key line");
        goto done;
    }
    if (self->blocks_used >= MAX_BLOCKS)
        blocks_clear(self); /* memory stays flat, as blocks.Blocks */
    uint64_t hash = hash_bytes(key.buf, key.len);
    BlockEntry *e = blocks_find(self->blocks, hash, key.buf, key.len);
    unsigned char *copy = PyMem_Malloc((size_t)data.len + 1);
    if (copy == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    memcpy(copy, data.buf, (size_t)data.len);
    if (e->key == NULL) {
        e->key = PyMem_Malloc((size_t)key.len + 1);
        if (e->key == NULL) {
            PyMem_Free(copy);
            PyErr_NoMemory();
            goto done;
        }
        memcpy(e->key, key.buf, (size_t)key.len);
        e->hash = hash;
        e->len = key.len;
        self->blocks_used++;
    }
    PyMem_Free(e->data);
    e->data = copy;
    e->size = data.len;
    out = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&key);
    PyBuffer_Release(&data);
    return out;
}

static PyObject *FastPath_put(FastPath *self, PyObject *args)
{
    Py_buffer key;
    int slot, cause, line = -1;
    if (!PyArg_ParseTuple(args, "y*ii|i:put", &key, &slot, &cause, &line))
        return NULL;
    if (slot < SLOT_UNEXPLAINED || cause < 0 || cause >= (1 << CAUSE_BITS)) {
        PyBuffer_Release(&key);
        PyErr_SetString(PyExc_ValueError, "slot or cause out of range");
        return NULL;
    }
    if (2 * (self->entries_used + 1) > self->entries_cap && entries_grow(self) < 0)
        goto fail;
    if (slot >= self->slots_cap) {
        Py_ssize_t cap = self->slots_cap ? self->slots_cap : 64;
        while (cap <= slot)
            cap *= 2;
        Slot *grown = PyMem_Realloc(self->slots, (size_t)cap * sizeof *grown);
        if (grown == NULL) {
            PyErr_NoMemory();
            goto fail;
        }
        memset(grown + self->slots_cap, 0, (size_t)(cap - self->slots_cap) * sizeof *grown);
        self->slots = grown;
        self->slots_cap = cap;
    }
    uint64_t hash = hash_bytes(key.buf, key.len);
    Entry *e = entries_find(self->entries, self->entries_cap, hash, key.buf, key.len);
    if (e->key == NULL) {
        e->key = PyMem_Malloc((size_t)key.len + 1);
        if (e->key == NULL) {
            PyErr_NoMemory();
            goto fail;
        }
        memcpy(e->key, key.buf, (size_t)key.len);
        e->hash = hash;
        e->len = key.len;
        self->entries_used++;
    }
    e->slot = slot;
    e->cause = cause;
    e->line = line;
    PyBuffer_Release(&key);
    Py_RETURN_NONE;
fail:
    PyBuffer_Release(&key);
    return NULL;
}

/* Whether `body` has a verdict of its own in the memo (TemplateMemo.exact): 1, 0, -1 on error. */
static int exact(FastPath *self, const unsigned char *body, Py_ssize_t n)
{
    if (PyDict_GET_SIZE(self->exact_texts) == 0)
        return 0;
    PyObject *text = PyUnicode_DecodeASCII((const char *)body, n, NULL);
    if (text == NULL)
        return -1;
    int found = PyDict_Contains(self->exact_texts, text);
    Py_DECREF(text);
    return found;
}

/* Count one event of `e` at `line` (Aggregator.simple's counting). */
static int count(FastPath *self, Entry *e, Line *line)
{
    Pair *bucket = pairs_slot(&self->histogram, &self->histogram_cap, &self->histogram_used,
                              line->minute << CAUSE_BITS | e->cause);
    if (bucket == NULL)
        return -1;
    bucket->value++;
    Slot *slot = &self->slots[e->slot];
    if (slot->count == 0 || line->when < slot->first)
        slot->first = line->when;
    if (slot->count == 0 || line->when > slot->last)
        slot->last = line->when;
    slot->count++;
    self->events++;
    return 0;
}

/* What the candidate line at `start` is, as Chunk._simple and Aggregator.simple would decide it. */
enum {
    FAILED = -1,   /* an exception is set */
    NOT_SIMPLE,    /* `_simple` returns 0: the general path */
    TAKEN,         /* counted here (or, out of the window or another component's, not counted at all) */
    ASK,           /* a one-line event whose template the table does not know: `Sink.simple` decides */
    UNEXPLAINED,   /* a one-line event `Sink.simple` would decline (its template's verdict is unknown) */
};

/* Whether p[0:n) is printable ASCII or tabs: text that decodes to itself, whose only whitespace for
 * str.split is space and tab and whose only line break for str.splitlines is none. */
static int plain_text(const unsigned char *p, Py_ssize_t n)
{
    for (Py_ssize_t k = 0; k < n; k++)
        if ((p[k] < 0x20 && p[k] != '\t') || p[k] >= 0x7f)
            return 0;
    return 1;
}

/* len(" ".join(line.split())) of line `number` of s[0:n) split on newlines (memo._line), for text that
 * `plain_text` holds line by line; -1 when there is no such line. */
static Py_ssize_t collapsed_line_length(const unsigned char *s, Py_ssize_t n, int number)
{
    Py_ssize_t at = 0;
    for (int k = 0; k < number; k++) {
        const unsigned char *nl = memchr(s + at, '\n', (size_t)(n - at));
        if (nl == NULL)
            return -1;
        at = nl - s + 1;
    }
    const unsigned char *nl = memchr(s + at, '\n', (size_t)(n - at));
    Py_ssize_t stop = nl == NULL ? n : nl - s, length = 0, tokens = 0;
    for (Py_ssize_t k = at; k < stop;) {
        while (k < stop && (s[k] == ' ' || s[k] == '\t'))
            k++;
        if (k == stop)
            break;
        tokens++;
        while (k < stop && s[k] != ' ' && s[k] != '\t')
            k++, length++;
    }
    return tokens ? length + tokens - 1 : 0;
}

/* Whether the line at `at` surely starts an event (IsoStart.begins): 1, 0, -1 on error. */
static int stamp_begins(FastPath *self, const unsigned char *b, Py_ssize_t len, Py_ssize_t at)
{
    Stamp stamp;
    if (!head_stamp(b, len, at, &stamp))
        return 0;
    int64_t minute = epoch_minute(self, b + at);
    return minute == -2 ? -1 : minute != INT64_MIN;
}

static int grow_scratch(FastPath *self, Py_ssize_t n)
{
    if (n < self->scratch_cap)
        return 0;
    unsigned char *grown = PyMem_Realloc(self->scratch, (size_t)n + 1);
    if (grown == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->scratch = grown;
    self->scratch_cap = n + 1;
    return 0;
}

/* The two readers of a candidate (`take`, a one-line event, and `take_block`, a line and its block) decide
 * the same things once they have its time and text; these helpers are those decisions, written once so
 * the two paths cannot drift apart from Aggregator.simple and from each other. Inline: they run per line. */

/* Whether `when` is inside --since/--until (Aggregator's window); an event outside is read, not counted. */
static inline int in_window(const FastPath *self, int64_t when)
{
    return !(self->has_since && when < self->since) && !(self->has_until && when > self->until);
}

/* The table's entry for the template of body[0:n) (its `key` NULL when the table has none). The template
 * is built in `scratch`, which must hold n + 1 bytes. */
static inline Entry *template_entry(FastPath *self, const unsigned char *body, Py_ssize_t n)
{
    Py_ssize_t t = template_of(body, n, self->scratch);
    return entries_find(self->entries, self->entries_cap, hash_bytes(self->scratch, t), self->scratch, t);
}

/* An event whose template is in the table (`e`), as Aggregator.simple ends: a text with a verdict of its
 * own in the memo (`exact`) is the caller's `decline` (ASK for a one-line event: Sink.simple decides;
 * NOT_SIMPLE for a block); an unexplained template is UNEXPLAINED (`take_block` turns those down before);
 * another component's is taken uncounted; else it is counted. */
static inline int count_template(FastPath *self, Entry *e, const unsigned char *body, Py_ssize_t n, Line *line,
                                 int decline)
{
    int own = exact(self, body, n);
    if (own != 0)
        return own < 0 ? FAILED : decline;
    if (e->slot == SLOT_UNEXPLAINED)
        return UNEXPLAINED;
    if (e->slot == SLOT_NOT_COUNTED)
        return TAKEN; /* another component's */
    return count(self, e, line) < 0 ? FAILED : TAKEN;
}

/* A candidate line that `line_at` turned down: a timestamped first line whose next line starts a block
 * the scan has seen (`block`), and whose line after the block starts the next event, is the event
 * Chunk._span makes of it (the first line, then the block taken whole, then a break). Counted here when
 * the template of its whole text is in the table (as one-line events, but with the memo's check that the
 * evidence line fits for a text over evidence_chars). `line->stop` is set to the block's last newline. */
static int take_block(FastPath *self, const unsigned char *b, Py_ssize_t len, Py_ssize_t end, Py_ssize_t start,
                      Line *line)
{
    Stamp stamp;
    if (!head_stamp(b, len, start, &stamp))
        return NOT_SIMPLE;
    Py_ssize_t stop = find_nl(b, stamp.end, len);
    if (stop < 0 || stop + 1 >= end || stop - start > self->max_line || !plain_text(b + start, stop - start))
        return NOT_SIMPLE;
    Py_ssize_t below = stop + 1, below_end = find_nl(b, below, end);
    if (below_end < 0)
        return NOT_SIMPLE;
    BlockEntry *block = blocks_find(self->blocks, hash_bytes(b + below, below_end - below), b + below,
                                    below_end - below);
    Py_ssize_t after = below + block->size;
    if (block->key == NULL || after >= end || after - start >= MAX_EVENT_BYTES ||
        memcmp(b + below, block->data, (size_t)block->size) != 0)
        return NOT_SIMPLE;
    int begins = stamp_begins(self, b, len, below);
    if (begins != 0)
        return begins < 0 ? FAILED : NOT_SIMPLE; /* a block never starts with an event's line: no block */
    begins = stamp_begins(self, b, len, after);
    if (begins <= 0)
        return begins < 0 ? FAILED : NOT_SIMPLE;
    int64_t minute = epoch_minute(self, b + start);
    if (minute == -2)
        return FAILED;
    if (minute == INT64_MIN)
        return NOT_SIMPLE;
    set_line(line, b, start, &stamp, minute, after - 1);
    if (!in_window(self, line->when))
        return TAKEN; /* out of the window: not counted */
    const unsigned char *body = b + stamp.end;
    Py_ssize_t n = after - 1 - stamp.end;
    if (grow_scratch(self, n) < 0)
        return FAILED;
    Entry *e = template_entry(self, body, n);
    if (e->key == NULL || e->slot == SLOT_UNEXPLAINED)
        return NOT_SIMPLE;
    if (n > self->evidence_chars) {
        Py_ssize_t shown = e->line < 0 ? -1 : collapsed_line_length(body, n, e->line);
        if (shown < 0 || shown > self->evidence_chars)
            return NOT_SIMPLE; /* the memo would not answer from the template: Python classifies it */
    }
    return count_template(self, e, body, n, line, NOT_SIMPLE);
}

static int take(FastPath *self, const unsigned char *b, Py_ssize_t len, Py_ssize_t end, Py_ssize_t start, Line *line)
{
    int found = line_at(self, b, len, start, line);
    if (found == 0 && self->blocks_used)
        return take_block(self, b, len, end, start, line);
    if (found <= 0)
        return found < 0 ? FAILED : NOT_SIMPLE;
    if (line->stop + 1 >= end || line->stop - start > self->max_line)
        return NOT_SIMPLE;
    if (!in_window(self, line->when))
        return TAKEN; /* out of the window: not counted */
    const unsigned char *body = b + start + line->body_at;
    Py_ssize_t n = line->stop - start - line->body_at;
    while (n > 0 && body[n - 1] == '\r')
        n--;
    if (n > self->evidence_chars)
        return ASK; /* Sink.simple decides; this also keeps body[0:n) within the scratch (template_entry) */
    Entry *e = template_entry(self, body, n);
    return e->key == NULL ? ASK : count_template(self, e, body, n, line, ASK);
}

/* run(data, end, starts, i, covered, time_floor) -> (i, covered, time_floor, taken, last time, line):
 * Chunk.events over starts[i:] for as long as each candidate is a known one-line event. `line` is what
 * was read of starts[i], where it stopped: None when `_simple` would return 0, else (time, minute,
 * body_at, stop, ask): ask True when `Sink.simple` decides, False when it would decline. */
static PyObject *FastPath_run(FastPath *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 6 || !PyList_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "run(data, end, starts: list, i, covered, time_floor)");
        return NULL;
    }
    Py_ssize_t end = PyLong_AsSsize_t(args[1]), i = PyLong_AsSsize_t(args[3]);
    Py_ssize_t covered = PyLong_AsSsize_t(args[4]), floor = PyLong_AsSsize_t(args[5]);
    if (PyErr_Occurred())
        return NULL;
    Py_buffer view;
    if (get_buffer(args[0], &view) < 0)
        return NULL;
    PyObject *starts = args[2];
    const unsigned char *b = view.buf;
    Py_ssize_t taken = 0;
    int64_t last = 0;
    int status = NOT_SIMPLE;
    Line line;
    for (; i < PyList_GET_SIZE(starts); i++) {
        Py_ssize_t start = PyLong_AsSsize_t(PyList_GET_ITEM(starts, i));
        if (start == -1 && PyErr_Occurred()) {
            status = FAILED;
            break;
        }
        if (start < covered)
            continue; /* inside the event before it */
        status = take(self, b, view.len, end, start, &line);
        if (status != TAKEN)
            break;
        taken++;
        last = line.when;
        covered = line.stop + 1;
        floor = start;
    }
    PyBuffer_Release(&view);
    if (status == FAILED)
        return NULL;
    PyObject *read = Py_None;
    if (status == ASK || status == UNEXPLAINED)
        read = Py_BuildValue("LLnnO", (long long)line.when, (long long)line.minute, line.body_at, line.stop,
                             status == ASK ? Py_True : Py_False);
    else
        Py_INCREF(read);
    if (read == NULL)
        return NULL;
    return Py_BuildValue("nnnnLN", i, covered, floor, taken, (long long)last, read);
}

/* minutes[minute][causes[cause]] += count, a new minute's row made by counter() (Aggregator._drain's
 * loop: a Counter per minute). 0, -1 on error. */
static int add_to_minutes(PyObject *minutes, PyObject *causes, PyObject *counter, int64_t minute, int cause,
                          int64_t count)
{
    PyObject *key = PyLong_FromLongLong(minute);
    if (key == NULL)
        return -1;
    PyObject *row = PyDict_GetItemWithError(minutes, key); /* borrowed */
    if (row == NULL && !PyErr_Occurred()) {
        row = PyObject_CallNoArgs(counter);
        if (row != NULL && PyDict_SetItem(minutes, key, row) < 0)
            Py_CLEAR(row);
        Py_XDECREF(row); /* `minutes` holds it */
    }
    Py_DECREF(key);
    if (row == NULL)
        return -1;
    if (!PyDict_Check(row)) {
        PyErr_SetString(PyExc_TypeError, "a minute's row is not a dict");
        return -1;
    }
    PyObject *name = PyList_GetItem(causes, cause); /* borrowed; IndexError if none */
    if (name == NULL)
        return -1;
    PyObject *old = PyDict_GetItemWithError(row, name);
    long long base = 0;
    if (old != NULL) {
        base = PyLong_AsLongLong(old);
        if (base == -1 && PyErr_Occurred())
            return -1;
    } else if (PyErr_Occurred()) {
        return -1;
    }
    PyObject *value = PyLong_FromLongLong(base + count);
    if (value == NULL)
        return -1;
    int rc = PyDict_SetItem(row, name, value);
    Py_DECREF(value);
    return rc;
}

/* The per-slot counts since the last drain, as drain() lists them; forgotten here. */
static PyObject *drain_slots(FastPath *self)
{
    PyObject *slots = PyList_New(0), *item;
    if (slots == NULL)
        return NULL;
    for (Py_ssize_t k = 0; k < self->slots_cap; k++) {
        Slot *s = &self->slots[k];
        if (s->count == 0)
            continue;
        item = Py_BuildValue("nLLL", k, (long long)s->count, (long long)s->first, (long long)s->last);
        if (item == NULL || PyList_Append(slots, item) < 0) {
            Py_XDECREF(item);
            Py_DECREF(slots);
            return NULL;
        }
        Py_DECREF(item);
    }
    return slots;
}

static void forget_counts(FastPath *self)
{
    memset(self->slots, 0, (size_t)self->slots_cap * sizeof *self->slots);
    for (Py_ssize_t k = 0; k < self->histogram_cap; k++)
        self->histogram[k].key = -1;
    self->histogram_used = 0;
    self->events = 0;
}

/* drain_into(minutes, causes, counter) -> (events, [(slot, count, first, last)]): drain(), its histogram
 * added into `minutes` (minute -> counter() of cause name -> events) in C instead of a Python loop. */
static PyObject *FastPath_drain_into(FastPath *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyDict_Check(args[0]) || !PyList_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "drain_into(minutes: dict, causes: list, counter)");
        return NULL;
    }
    for (Py_ssize_t k = 0; k < self->histogram_cap; k++) {
        Pair *p = &self->histogram[k];
        if (p->key != -1 && add_to_minutes(args[0], args[1], args[2], p->key >> CAUSE_BITS,
                                           (int)(p->key & ((1 << CAUSE_BITS) - 1)), p->value) < 0)
            return NULL; /* what was added stays added: the caller's scan fails anyway */
    }
    PyObject *slots = drain_slots(self);
    if (slots == NULL)
        return NULL;
    PyObject *out = Py_BuildValue("LN", (long long)self->events, slots);
    if (out != NULL)
        forget_counts(self);
    return out;
}

/* drain() -> (events, [(slot, count, first, last)], [(minute, cause, count)]): what was counted since
 * the last drain, forgotten here. */
static PyObject *FastPath_drain(FastPath *self, PyObject *unused)
{
    PyObject *histogram = PyList_New(0), *item;
    if (histogram == NULL)
        return NULL;
    for (Py_ssize_t k = 0; k < self->histogram_cap; k++) {
        Pair *p = &self->histogram[k];
        if (p->key == -1)
            continue;
        item = Py_BuildValue("LiL", (long long)(p->key >> CAUSE_BITS), (int)(p->key & ((1 << CAUSE_BITS) - 1)),
                             (long long)p->value);
        if (item == NULL || PyList_Append(histogram, item) < 0) {
            Py_XDECREF(item);
            Py_DECREF(histogram);
            return NULL;
        }
        Py_DECREF(item);
    }
    PyObject *slots = drain_slots(self);
    if (slots == NULL) {
        Py_DECREF(histogram);
        return NULL;
    }
    PyObject *out = Py_BuildValue("LNN", (long long)self->events, slots, histogram);
    if (out != NULL)
        forget_counts(self);
    return out; /* on failure the lists were stolen by "N" */
}

static PyMethodDef FastPath_methods[] = {
    {"put", (PyCFunction)FastPath_put, METH_VARARGS,
     "put(template, slot, cause, line=-1): events of this byte template are counted into `slot` (-1: not at "
     "all, -2: left to Python, which would not count them by template); `line`: a multi-line template's "
     "evidence line."},
    {"block", (PyCFunction)FastPath_block, METH_VARARGS,
     "block(first_line, data): the lines `data` (its first one `first_line`) continue a traceback's first "
     "line wherever they follow one (Chunk._known_block)."},
    {"run", (PyCFunction)(void (*)(void))FastPath_run, METH_FASTCALL,
     "run(data, end, starts, i, covered, time_floor) -> (i, covered, time_floor, taken, last_time_us, line)."},
    {"line", (PyCFunction)(void (*)(void))FastPath_line, METH_FASTCALL,
     "IsoStart.line(data, start) with the time in microseconds since the epoch."},
    {"drain", (PyCFunction)FastPath_drain, METH_NOARGS,
     "drain() -> (events, [(slot, count, first_us, last_us)], [(minute, cause, count)]); starts again."},
    {"drain_into", (PyCFunction)(void (*)(void))FastPath_drain_into, METH_FASTCALL,
     "drain_into(minutes, causes, counter) -> (events, [(slot, count, first_us, last_us)]): drain(), "
     "minutes[minute][causes[cause]] += count for its histogram; starts again."},
    {NULL},
};

static PyTypeObject FastPathType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "infraprobe.logs._fastscan.FastPath",
    .tp_basicsize = sizeof(FastPath),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The one-line fast path of a log scan, counted in C.",
    .tp_new = FastPath_new,
    .tp_dealloc = (destructor)FastPath_dealloc,
    .tp_methods = FastPath_methods,
};

/* ---------------------------------------------------------------- module */

static PyMethodDef module_methods[] = {
    {"count_newlines", (PyCFunction)(void (*)(void))count_newlines, METH_FASTCALL,
     "count_newlines(data, start, stop) == data.count(b'\\n', start, stop) for non-negative bounds."},
    {"template", (PyCFunction)template, METH_O, "memo.ByteTokens()(body), on any bytes."},
    {"escaped_or_wide", (PyCFunction)(void (*)(void))escaped_or_wide, METH_FASTCALL,
     "escaped_or_wide(data, end) == (data.find(b'\\\\', 0, end) >= 0 or not data.isascii()) for end >= 0."},
    {NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "infraprobe.logs._fastscan", "Compiled helpers for the log scan.", -1, module_methods,
};

PyMODINIT_FUNC PyInit__fastscan(void)
{
    init_classes();
    if (PyType_Ready(&EndsType) < 0 || PyType_Ready(&FastPathType) < 0)
        return NULL;
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL)
        return NULL;
    if (PyModule_AddObjectRef(module, "Ends", (PyObject *)&EndsType) < 0 ||
        PyModule_AddObjectRef(module, "FastPath", (PyObject *)&FastPathType) < 0 ||
        PyModule_AddIntConstant(module, "API", FASTSCAN_API) < 0 ||
        PyModule_AddIntConstant(module, "MAX_EVENT_BYTES", MAX_EVENT_BYTES) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
