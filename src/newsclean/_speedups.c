/* Compiled kernels for character-level scans of every document and the line model's trees. Each has a pure-Python
 * definition that is the specification (and the fallback when this module is not built):
 *
 *   WordCounter(words_of)(text, max_chars)  ==  newsclean.lang._counts_py(text[:max_chars])
 *       how many whitespace-separated words of the text, lowercased, each language's stopword set
 *       holds (str.split() and str.lower() semantics: Py_UNICODE_ISSPACE, full lowercase mapping);
 *   cleaner_lines(text, bitmap)  ==  newsclean.text._trigger_lines_py(text)
 *       the lines of the text (split at "\n") that hold a character of the built-in cleaners'
 *       class (a bitmap over the BMP), two spaces in a row, a space at a line end or an HTML
 *       entity; None when the text holds another line break ("\r", U+0085, U+2028, U+2029).
 *
 *   scored_candidates(lines, min_spaces)  ⊇  the lines newsclean.linemodel.is_scored holds for
 *       the indexes of the lines (str, or anything but None and "" that is not a str) that may be
 *       scored by the line model: at least min_spaces spaces and no sentence end at the line's end
 *       (a final "." after ".", " ", "\t" or U+00A0 may end an ellipsis: kept); the caller tests
 *       is_scored on these few (newsclean.linemodel._scored);
 *   scored_lines(lines, min_spaces, max_chars, min_words)  ==  newsclean.linemodel._scored_py(lines)
 *       the same indexes, in order, but for the lines that start with "a", "A" or a character beyond ASCII
 *       (they may be a post's attribution, "A post shared by", matched ignoring case) or are not str: -1 - i
 *       for such a line i, which the caller tests with is_scored;
 *   line_shape(s, word_bits, log1p, ncues)  ==  newsclean.linemodel._row_py(s, set(_words(s))) + (that set,)
 *       for a stripped line whose lowercase is per character (no capital or sigma beyond ASCII, no surrogate)
 *       and of at most len(log1p) - 1 characters, else None: _shape's counts and tests (str semantics:
 *       Py_UNICODE_ISSPACE for split, ISUPPER, ISLOWER, ISALNUM for one character, ISDECIMAL for \d, ISALNUM or
 *       "_" for \w), the date and cue words of its distinct words (word_bits: word -> bit 0 a date word, bit
 *       1 + k a word of cue family k), log1p(len(s)) read from the table, the ratios as the same divisions;
 *   line_words(s)  ==  set(newsclean.linemodel._words(s)) for such a line (any length), else None;
 *   TreeSum(feature, threshold, value, base)(row)  ==  LineModel._margin(row)
 *       base plus the leaves a row reaches in each regression tree, added in tree order, as doubles
 *       (Python floats are IEEE doubles, the comparisons and additions the same); None when a value
 *       the trees read is not a float (the caller then walks the trees in Python).
 *   LineMiner(date_words, reader_words, story_chars, min_chars, max_chars, max_sentence_words, min_segment,
 *             max_segment)(text, title_key, seen, example, judge[, extra])
 *       ==  the per-line loop of newsclean.templates.TemplateMiner._add_py over the stripped non-empty lines
 *       of text.splitlines(): the story hashes of the long lines and extra (a story hash, or None) sorted
 *       without repeats, as the bytes of an array("Q") (_add_py's array of them); the keys of the
 *       document into seen, first lines of new keys into example. Candidate ASCII lines without "@", "/"
 *       or "www." are judged (is_candidate, is_fragment) and keyed (template_key, key_hash) here; the
 *       other lines that are no fragment, and closing sentences that may be prompts (an ASCII one only
 *       with a reader word), by judge(line, is_sentence) -> key hash or None, in line order. Unicode tests
 *       as str's: Py_UNICODE_ISLINEBREAK (splitlines), Py_UNICODE_ISSPACE (strip, split),
 *       Py_UNICODE_ISUPPER, ISLOWER, ISDIGIT (one-character isupper, islower, isdigit); str.lower()
 *       called for a long line with a letter it changes beyond ASCII; CRC-32 as zlib's.
 *   LineMiner.template_lines(lines, heads, max_chars, long_chars, segment_heads)  ⊇  the lines
 *       TemplateCleaner.run changes (see there);
 *   LineMiner.key(line)  ==  key_hash(template_key(line)), or None (the caller computes it) for a line whose
 *       lowercase is not per character, or with "@", "/" or "www.".
 *
 * tests/test_speedups.py checks them against the Python definitions on random and real text.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* Forced inline: the per-character loops of the LineMiner are instantiated for each str kind (1, 2 or 4 bytes a
 * character), so that PyUnicode_READ is a plain load instead of a test of the kind at every character. */
#if defined(__GNUC__) || defined(__clang__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#elif defined(_MSC_VER)
#define ALWAYS_INLINE __forceinline
#else
#define ALWAYS_INLINE inline
#endif

/* -- WordCounter --------------------------------------------------------------------------- */

#define MAX_WORD 31
#define TABLE_BITS 10
#define TABLE_SIZE (1 << TABLE_BITS)

typedef struct {
    unsigned char len;
    unsigned char lang;
    char word[MAX_WORD + 1];
} Slot;

typedef struct {
    PyObject_HEAD
    Slot table[TABLE_SIZE];
    int nlangs;
    int maxlen;
} WordCounter;

static unsigned int
hash_word(const char *w, int len)
{
    unsigned int h = 2166136261u;
    for (int i = 0; i < len; i++) {
        h = (h ^ (unsigned char)w[i]) * 16777619u;
    }
    return h;
}

static int
table_lookup(const Slot *table, const char *w, int len)
{
    unsigned int h = hash_word(w, len) & (TABLE_SIZE - 1);
    for (;;) {
        const Slot *s = &table[h];
        if (s->len == 0) {
            return -1;
        }
        if (s->len == len && memcmp(s->word, w, len) == 0) {
            return s->lang;
        }
        h = (h + 1) & (TABLE_SIZE - 1);
    }
}

static int
lookup(WordCounter *self, const char *w, int len)
{
    return table_lookup(self->table, w, len);
}

static int
WordCounter_init(WordCounter *self, PyObject *args, PyObject *kwds)
{
    PyObject *langs;
    if (!PyArg_ParseTuple(args, "O", &langs)) {
        return -1;
    }
    PyObject *seq = PySequence_Fast(langs, "words_of must be a sequence of word sets");
    if (seq == NULL) {
        return -1;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    if (n > 255) {
        Py_DECREF(seq);
        PyErr_SetString(PyExc_ValueError, "too many languages");
        return -1;
    }
    memset(self->table, 0, sizeof(self->table));
    self->nlangs = (int)n;
    self->maxlen = 0;
    int used = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *it = PyObject_GetIter(PySequence_Fast_GET_ITEM(seq, k));
        if (it == NULL) {
            Py_DECREF(seq);
            return -1;
        }
        PyObject *w;
        while ((w = PyIter_Next(it)) != NULL) {
            Py_ssize_t len;
            const char *s = PyUnicode_Check(w) && PyUnicode_IS_ASCII(w) ? PyUnicode_AsUTF8AndSize(w, &len) : NULL;
            if (s == NULL || len < 1 || len > MAX_WORD || used >= TABLE_SIZE / 2) {
                Py_DECREF(w);
                Py_DECREF(it);
                Py_DECREF(seq);
                PyErr_Clear();
                PyErr_SetString(PyExc_ValueError, "words must be short ASCII strings");
                return -1;
            }
            for (Py_ssize_t i = 0; i < len; i++) {
                if (s[i] >= 'A' && s[i] <= 'Z') {  /* never the lower case of a word: never counted */
                    goto next;
                }
            }
            if (lookup(self, s, (int)len) < 0) {
                unsigned int h = hash_word(s, (int)len) & (TABLE_SIZE - 1);
                while (self->table[h].len != 0) {
                    h = (h + 1) & (TABLE_SIZE - 1);
                }
                self->table[h].len = (unsigned char)len;
                self->table[h].lang = (unsigned char)k;
                memcpy(self->table[h].word, s, len);
                used++;
                if (len > self->maxlen) {
                    self->maxlen = (int)len;
                }
            }
          next:
            Py_DECREF(w);
        }
        Py_DECREF(it);
        if (PyErr_Occurred()) {
            Py_DECREF(seq);
            return -1;
        }
    }
    Py_DECREF(seq);
    return 0;
}

static PyObject *
WordCounter_call(WordCounter *self, PyObject *args, PyObject *kwds)
{
    PyObject *text;
    Py_ssize_t max_chars;
    if (!PyArg_ParseTuple(args, "Un", &text, &max_chars)) {
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (max_chars < n) {
        n = max_chars < 0 ? 0 : max_chars;
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t counts[256];
    memset(counts, 0, sizeof(Py_ssize_t) * self->nlangs);
    char buf[MAX_WORD + 1];
    Py_ssize_t i = 0;
    while (i < n) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (Py_UNICODE_ISSPACE(ch)) {
            i++;
            continue;
        }
        Py_ssize_t start = i;
        int ascii = 1;
        while (i < n) {
            ch = PyUnicode_READ(kind, data, i);
            if (Py_UNICODE_ISSPACE(ch)) {
                break;
            }
            if (ch >= 128) {
                ascii = 0;
            }
            i++;
        }
        Py_ssize_t len = i - start;
        /* str.lower() never shortens a word: a longer one cannot be a stopword. */
        if (len > self->maxlen) {
            continue;
        }
        int lang;
        if (ascii) {
            for (Py_ssize_t j = 0; j < len; j++) {
                Py_UCS4 c = PyUnicode_READ(kind, data, start + j);
                buf[j] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            }
            lang = lookup(self, buf, (int)len);
        }
        else {
            /* A letter beyond ASCII may lower to one (the Kelvin sign to "k"): ask str.lower(). */
            PyObject *word = PyUnicode_Substring(text, start, i);
            if (word == NULL) {
                return NULL;
            }
            PyObject *low = PyObject_CallMethod(word, "lower", NULL);
            Py_DECREF(word);
            if (low == NULL) {
                return NULL;
            }
            lang = -1;
            if (PyUnicode_IS_ASCII(low) && PyUnicode_GET_LENGTH(low) <= self->maxlen) {
                Py_ssize_t m = PyUnicode_GET_LENGTH(low);
                memcpy(buf, PyUnicode_DATA(low), m);
                lang = lookup(self, buf, (int)m);
            }
            Py_DECREF(low);
        }
        if (lang >= 0) {
            counts[lang]++;
        }
    }
    PyObject *out = PyTuple_New(self->nlangs);
    if (out == NULL) {
        return NULL;
    }
    for (int k = 0; k < self->nlangs; k++) {
        PyObject *v = PyLong_FromSsize_t(counts[k]);
        if (v == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyTuple_SET_ITEM(out, k, v);
    }
    return out;
}

static PyTypeObject WordCounterType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "newsclean._speedups.WordCounter",
    .tp_basicsize = sizeof(WordCounter),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "WordCounter(words_of)(text, max_chars): stopwords of each language in text[:max_chars].",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)WordCounter_init,
    .tp_call = (ternaryfunc)WordCounter_call,
};

/* -- cleaner_lines ------------------------------------------------------------------------- */

static int
in_bitmap(const unsigned char *bits, Py_ssize_t nbits, Py_UCS4 ch)
{
    return (Py_ssize_t)ch < nbits && (bits[ch >> 3] >> (ch & 7)) & 1;
}

/* Classes of the ASCII characters, one load instead of a chain of comparisons in the per-character loops. */
#define CL_ALNUM 1  /* [0-9A-Za-z] */
#define CL_WORD 2   /* \w of ASCII: [0-9A-Za-z_] */
#define CL_BREAK 4  /* a line break of str.splitlines: \n \r \x0b \x0c \x1c \x1d \x1e */
#define CL_DEFER 8  /* what may start a link or a handle: "@", "/", "w", "W" */
#define CL_QUOTE 16 /* '"' (the ASCII one of is_candidate's quotes) */
#define CL_SPACE 32 /* ' ' */
static const unsigned char ascii_class[128] = {
    ['"'] = CL_QUOTE, [' '] = CL_SPACE, ['\n'] = CL_BREAK, ['\r'] = CL_BREAK, [0x0B] = CL_BREAK, [0x0C] = CL_BREAK, [0x1C] = CL_BREAK,
    [0x1D] = CL_BREAK, [0x1E] = CL_BREAK, ['@'] = CL_DEFER, ['/'] = CL_DEFER, ['_'] = CL_WORD,
    ['0'] = 3, ['1'] = 3, ['2'] = 3, ['3'] = 3, ['4'] = 3, ['5'] = 3, ['6'] = 3, ['7'] = 3, ['8'] = 3, ['9'] = 3,
    ['A'] = 3, ['B'] = 3, ['C'] = 3, ['D'] = 3, ['E'] = 3, ['F'] = 3, ['G'] = 3, ['H'] = 3, ['I'] = 3, ['J'] = 3,
    ['K'] = 3, ['L'] = 3, ['M'] = 3, ['N'] = 3, ['O'] = 3, ['P'] = 3, ['Q'] = 3, ['R'] = 3, ['S'] = 3, ['T'] = 3,
    ['U'] = 3, ['V'] = 3, ['W'] = 3 | CL_DEFER, ['X'] = 3, ['Y'] = 3, ['Z'] = 3,
    ['a'] = 3, ['b'] = 3, ['c'] = 3, ['d'] = 3, ['e'] = 3, ['f'] = 3, ['g'] = 3, ['h'] = 3, ['i'] = 3, ['j'] = 3,
    ['k'] = 3, ['l'] = 3, ['m'] = 3, ['n'] = 3, ['o'] = 3, ['p'] = 3, ['q'] = 3, ['r'] = 3, ['s'] = 3, ['t'] = 3,
    ['u'] = 3, ['v'] = 3, ['w'] = 3 | CL_DEFER, ['x'] = 3, ['y'] = 3, ['z'] = 3,
};

static inline int
is_alnum_ascii(Py_UCS4 c)
{
    return c < 128 && (ascii_class[c] & CL_ALNUM);
}

/* Whether &#?[0-9A-Za-z]{1,24}; starts at i (text[i] == '&'). */
static int
entity_at(int kind, const void *data, Py_ssize_t n, Py_ssize_t i)
{
    Py_ssize_t j = i + 1;
    if (j < n && PyUnicode_READ(kind, data, j) == '#') {
        j++;
    }
    Py_ssize_t k = 0;
    while (j < n && k < 24 && is_alnum_ascii(PyUnicode_READ(kind, data, j))) {
        j++;
        k++;
    }
    return k >= 1 && j < n && PyUnicode_READ(kind, data, j) == ';';
}

static PyObject *
cleaner_lines(PyObject *module, PyObject *args)
{
    PyObject *text;
    Py_buffer bitmap;
    if (!PyArg_ParseTuple(args, "Uy*", &text, &bitmap)) {
        return NULL;
    }
    const unsigned char *bits = (const unsigned char *)bitmap.buf;
    Py_ssize_t nbits = bitmap.len * 8;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    PyObject *out = PyList_New(0);
    if (out == NULL) {
        PyBuffer_Release(&bitmap);
        return NULL;
    }
    Py_ssize_t line = 0, marked = -1;
    Py_UCS4 prev = '\n';  /* the start of the text counts as a line start */
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        int mark = 0;
        if (ch == '\n') {
            line++;
            prev = ch;
            continue;
        }
        if (ch == '\r' || ch == 0x85 || ch == 0x2028 || ch == 0x2029) {
            Py_DECREF(out);
            PyBuffer_Release(&bitmap);
            Py_RETURN_NONE;
        }
        if (ch == ' ') {  /* (the class holds neither " ", "&" nor "\n": newsclean.text checks) */
            Py_UCS4 next = i + 1 < n ? PyUnicode_READ(kind, data, i + 1) : '\n';
            mark = prev == ' ' || prev == '\n' || next == ' ' || next == '\n';
        }
        else if (ch == '&') {
            mark = entity_at(kind, data, n, i);
        }
        else {
            mark = in_bitmap(bits, nbits, ch);
        }
        if (mark && marked != line) {
            PyObject *v = PyLong_FromSsize_t(line);
            if (v == NULL || PyList_Append(out, v) < 0) {
                Py_XDECREF(v);
                Py_DECREF(out);
                PyBuffer_Release(&bitmap);
                return NULL;
            }
            Py_DECREF(v);
            marked = line;
        }
        prev = ch;
    }
    PyBuffer_Release(&bitmap);
    return out;
}

/* -- scored_candidates --------------------------------------------------------------------- */

static int
is_sentence_end(Py_UCS4 c)
{
    /* newsclean.linemodel._SKIP_ENDINGS */
    return c == '.' || c == '!' || c == '?' || c == ':' || c == ';' || c == '"' || c == 0x201C || c == 0x201D
        || c == 0x2019 || c == ')';
}

static PyObject *
scored_candidates(PyObject *module, PyObject *args)
{
    PyObject *lines;
    Py_ssize_t min_spaces;
    if (!PyArg_ParseTuple(args, "O!n", &PyList_Type, &lines, &min_spaces)) {
        return NULL;
    }
    PyObject *out = PyList_New(0);
    if (out == NULL) {
        return NULL;
    }
    Py_ssize_t m = PyList_GET_SIZE(lines);
    for (Py_ssize_t i = 0; i < m; i++) {
        PyObject *line = PyList_GET_ITEM(lines, i);
        int cand = 1;
        if (line == Py_None) {
            continue;
        }
        if (PyUnicode_CheckExact(line)) {
            Py_ssize_t n = PyUnicode_GET_LENGTH(line);
            if (n == 0) {
                continue;
            }
            int kind = PyUnicode_KIND(line);
            const void *data = PyUnicode_DATA(line);
            Py_UCS4 last = PyUnicode_READ(kind, data, n - 1);
            if (is_sentence_end(last)) {
                if (last != '.' || n <= 2) {
                    continue;
                }
                Py_UCS4 before = PyUnicode_READ(kind, data, n - 2);
                if (before != '.' && before != ' ' && before != '\t' && before != 0xA0) {
                    continue;
                }
            }
            Py_ssize_t spaces = 0;
            for (Py_ssize_t j = 0; j < n && spaces < min_spaces; j++) {
                if (PyUnicode_READ(kind, data, j) == ' ') {
                    spaces++;
                }
            }
            cand = spaces >= min_spaces;
        }
        if (cand) {
            PyObject *v = PyLong_FromSsize_t(i);
            if (v == NULL || PyList_Append(out, v) < 0) {
                Py_XDECREF(v);
                Py_DECREF(out);
                return NULL;
            }
            Py_DECREF(v);
        }
    }
    return out;
}

/* -- TreeSum ------------------------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    Py_ssize_t trees;
    Py_ssize_t inner;  /* internal nodes per tree: 2**depth - 1 */
    int depth;
    double base;
    Py_ssize_t *feature;
    double *threshold;
    double *value;
} TreeSum;

static void
TreeSum_dealloc(TreeSum *self)
{
    PyMem_Free(self->feature);
    PyMem_Free(self->threshold);
    PyMem_Free(self->value);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Rows of a table (a sequence of sequences of numbers) into out[t * width + k]; -1 on error. */
static int
read_table(PyObject *table, Py_ssize_t trees, Py_ssize_t width, int as_index, Py_ssize_t *iout, double *dout)
{
    PyObject *seq = PySequence_Fast(table, "a table must be a sequence of rows");
    if (seq == NULL) {
        return -1;
    }
    if (PySequence_Fast_GET_SIZE(seq) != trees) {
        Py_DECREF(seq);
        PyErr_SetString(PyExc_ValueError, "tables of different numbers of trees");
        return -1;
    }
    for (Py_ssize_t t = 0; t < trees; t++) {
        PyObject *row = PySequence_Fast(PySequence_Fast_GET_ITEM(seq, t), "a row must be a sequence");
        if (row == NULL) {
            Py_DECREF(seq);
            return -1;
        }
        if (PySequence_Fast_GET_SIZE(row) != width) {
            Py_DECREF(row);
            Py_DECREF(seq);
            PyErr_SetString(PyExc_ValueError, "a row of the wrong size for the trees' depth");
            return -1;
        }
        for (Py_ssize_t k = 0; k < width; k++) {
            PyObject *v = PySequence_Fast_GET_ITEM(row, k);
            if (as_index) {
                Py_ssize_t x = PyNumber_AsSsize_t(v, PyExc_OverflowError);
                if (x == -1 && PyErr_Occurred()) {
                    Py_DECREF(row);
                    Py_DECREF(seq);
                    return -1;
                }
                if (x < 0) {
                    Py_DECREF(row);
                    Py_DECREF(seq);
                    PyErr_SetString(PyExc_ValueError, "a negative feature index");
                    return -1;
                }
                iout[t * width + k] = x;
            }
            else {
                double x = PyFloat_AsDouble(v);
                if (x == -1.0 && PyErr_Occurred()) {
                    Py_DECREF(row);
                    Py_DECREF(seq);
                    return -1;
                }
                dout[t * width + k] = x;
            }
        }
        Py_DECREF(row);
    }
    Py_DECREF(seq);
    return 0;
}

static int
TreeSum_init(TreeSum *self, PyObject *args, PyObject *kwds)
{
    PyObject *feature, *threshold, *value;
    double base;
    if (!PyArg_ParseTuple(args, "OOOd", &feature, &threshold, &value, &base)) {
        return -1;
    }
    Py_ssize_t trees = PySequence_Size(value);
    if (trees < 0) {
        return -1;
    }
    Py_ssize_t leaves = 0;
    if (trees > 0) {
        PyObject *first = PySequence_GetItem(value, 0);
        if (first == NULL) {
            return -1;
        }
        leaves = PySequence_Size(first);
        Py_DECREF(first);
        if (leaves < 0) {
            return -1;
        }
    }
    int depth = 0;
    while (((Py_ssize_t)1 << depth) < leaves && depth < 30) {
        depth++;
    }
    if (trees > 0 && ((Py_ssize_t)1 << depth) != leaves) {
        PyErr_SetString(PyExc_ValueError, "the leaves of a tree must be a power of two");
        return -1;
    }
    Py_ssize_t inner = leaves > 0 ? leaves - 1 : 0;
    PyMem_Free(self->feature);
    PyMem_Free(self->threshold);
    PyMem_Free(self->value);
    self->feature = PyMem_Malloc(sizeof(Py_ssize_t) * (trees * inner + 1));
    self->threshold = PyMem_Malloc(sizeof(double) * (trees * inner + 1));
    self->value = PyMem_Malloc(sizeof(double) * (trees * leaves + 1));
    self->trees = 0;
    if (self->feature == NULL || self->threshold == NULL || self->value == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (read_table(feature, trees, inner, 1, self->feature, NULL) < 0
            || read_table(threshold, trees, inner, 0, NULL, self->threshold) < 0
            || read_table(value, trees, leaves, 0, NULL, self->value) < 0) {
        return -1;
    }
    self->trees = trees;
    self->inner = inner;
    self->depth = depth;
    self->base = base;
    return 0;
}

static PyObject *
TreeSum_call(TreeSum *self, PyObject *args, PyObject *kwds)
{
    PyObject *row;
    if (!PyArg_ParseTuple(args, "O!", &PyList_Type, &row)) {
        return NULL;
    }
    Py_ssize_t width = PyList_GET_SIZE(row);
    Py_ssize_t inner = self->inner;
    double z = self->base;
    for (Py_ssize_t t = 0; t < self->trees; t++) {
        const Py_ssize_t *f = self->feature + t * inner;
        const double *thr = self->threshold + t * inner;
        Py_ssize_t k = 0;
        for (int d = 0; d < self->depth; d++) {
            Py_ssize_t j = f[k];
            if (j >= width) {
                PyErr_SetString(PyExc_IndexError, "a tree reads a feature the row does not have");
                return NULL;
            }
            PyObject *x = PyList_GET_ITEM(row, j);
            if (!PyFloat_CheckExact(x)) {
                Py_RETURN_NONE;
            }
            k = 2 * k + (PyFloat_AS_DOUBLE(x) > thr[k] ? 2 : 1);
        }
        z += self->value[t * (inner + 1) + (k - inner)];
    }
    return PyFloat_FromDouble(z);
}

static PyTypeObject TreeSumType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "newsclean._speedups.TreeSum",
    .tp_basicsize = sizeof(TreeSum),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "TreeSum(feature, threshold, value, base)(row): base + the leaves row reaches, in tree order.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)TreeSum_init,
    .tp_call = (ternaryfunc)TreeSum_call,
    .tp_dealloc = (destructor)TreeSum_dealloc,
};

/* -- LineMiner ----------------------------------------------------------------------------- */

/* CRC-32 (the polynomial and conventions of zlib.crc32): two of them make the 64-bit hashes of
 * newsclean.templates (key_hash, _story_hash). */
static uint32_t crc_table[256];
/* crc_slice[k][x]: the CRC register after byte x then k zero bytes (slicing-by-8, for crc2_bytes). */
static uint32_t crc_slice[8][256];
/* story_byte[c]: what a story hash stages for an ASCII character (its lowercase if alphanumeric, else 0: none);
 * break1[c]: whether a character of a 1-byte str is a line break of str.splitlines (0x85 among them). */
static unsigned char story_byte[128];
static unsigned char break1[256];

static void
crc_init(void)
{
    for (int c = 0; c < 128; c++) {
        story_byte[c] = (ascii_class[c] & CL_ALNUM) ? (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c) : 0;
        break1[c] = (ascii_class[c] & CL_BREAK) != 0;
    }
    break1[0x85] = 1;
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) {
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }
        crc_table[i] = c;
        crc_slice[0][i] = c;
    }
    for (int k = 1; k < 8; k++) {
        for (int i = 0; i < 256; i++) {
            uint32_t c = crc_slice[k - 1][i];
            crc_slice[k][i] = crc_table[c & 0xff] ^ (c >> 8);
        }
    }
}

typedef struct {
    uint32_t a, b;  /* zlib.crc32(data), zlib.crc32(data, 0x9E3779B9), inverted while running */
} Crc2;

static inline void
crc2_init(Crc2 *c)
{
    c->a = 0xFFFFFFFFu;
    c->b = ~0x9E3779B9u;
}

static inline void
crc2_byte(Crc2 *c, unsigned char x)
{
    c->a = crc_table[(c->a ^ x) & 0xff] ^ (c->a >> 8);
    c->b = crc_table[(c->b ^ x) & 0xff] ^ (c->b >> 8);
}

/* One register over p[0:len], eight bytes a step (the same value as crc2_byte's, byte after byte). */
static inline uint32_t
crc_run(uint32_t c, const unsigned char *p, Py_ssize_t len)
{
    while (len >= 8) {
        uint32_t one = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
        uint32_t two = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
        c = crc_slice[7][one & 0xff] ^ crc_slice[6][(one >> 8) & 0xff] ^ crc_slice[5][(one >> 16) & 0xff]
            ^ crc_slice[4][one >> 24] ^ crc_slice[3][two & 0xff] ^ crc_slice[2][(two >> 8) & 0xff]
            ^ crc_slice[1][(two >> 16) & 0xff] ^ crc_slice[0][two >> 24];
        p += 8;
        len -= 8;
    }
    while (len-- > 0) {
        c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
    }
    return c;
}

/* Both registers over a buffer of bytes. */
static inline void
crc2_bytes(Crc2 *c, const unsigned char *p, Py_ssize_t len)
{
    c->a = crc_run(c->a, p, len);
    c->b = crc_run(c->b, p, len);
}

static inline uint64_t
crc2_u64(const Crc2 *c)
{
    return ((uint64_t)(~c->a) << 32) | (uint64_t)(~c->b);
}

static PyObject *
crc2_value(const Crc2 *c)
{
    return PyLong_FromUnsignedLongLong(((unsigned long long)(~c->a) << 32) | (unsigned long long)(~c->b));
}

typedef struct {
    PyObject_HEAD
    Slot dates[TABLE_SIZE];
    Slot readers[TABLE_SIZE];
    int dates_max;
    int readers_max;
    unsigned char reader_first[128];  /* the first letters of the reader words */
    Py_ssize_t story_chars, min_chars, max_chars, sentence_spaces, min_segment, max_segment;
} LineMiner;

/* Short lowercase ASCII words into a table (lang 0); -1 on error. */
static int
fill_table(Slot *table, PyObject *words, int *maxlen)
{
    memset(table, 0, sizeof(Slot) * TABLE_SIZE);
    *maxlen = 0;
    int used = 0;
    PyObject *it = PyObject_GetIter(words);
    if (it == NULL) {
        return -1;
    }
    PyObject *w;
    while ((w = PyIter_Next(it)) != NULL) {
        Py_ssize_t len;
        const char *s = PyUnicode_Check(w) && PyUnicode_IS_ASCII(w) ? PyUnicode_AsUTF8AndSize(w, &len) : NULL;
        int ok = s != NULL && len >= 1 && len <= MAX_WORD && used < TABLE_SIZE / 2;
        for (Py_ssize_t i = 0; ok && i < len; i++) {
            ok = !(s[i] >= 'A' && s[i] <= 'Z');
        }
        if (!ok) {
            Py_DECREF(w);
            Py_DECREF(it);
            PyErr_Clear();
            PyErr_SetString(PyExc_ValueError, "words must be short lowercase ASCII strings");
            return -1;
        }
        if (table_lookup(table, s, (int)len) < 0) {
            unsigned int h = hash_word(s, (int)len) & (TABLE_SIZE - 1);
            while (table[h].len != 0) {
                h = (h + 1) & (TABLE_SIZE - 1);
            }
            table[h].len = (unsigned char)len;
            table[h].lang = 0;
            memcpy(table[h].word, s, len);
            used++;
            if (len > *maxlen) {
                *maxlen = (int)len;
            }
        }
        Py_DECREF(w);
    }
    Py_DECREF(it);
    return PyErr_Occurred() ? -1 : 0;
}

static int
LineMiner_init(LineMiner *self, PyObject *args, PyObject *kwds)
{
    PyObject *dates, *readers;
    if (!PyArg_ParseTuple(args, "OOnnnnnn", &dates, &readers, &self->story_chars, &self->min_chars,
                          &self->max_chars, &self->sentence_spaces, &self->min_segment, &self->max_segment)) {
        return -1;
    }
    if (fill_table(self->dates, dates, &self->dates_max) < 0
            || fill_table(self->readers, readers, &self->readers_max) < 0) {
        return -1;
    }
    memset(self->reader_first, 0, sizeof(self->reader_first));
    for (int h = 0; h < TABLE_SIZE; h++) {
        if (self->readers[h].len != 0) {
            self->reader_first[self->readers[h].word[0] & 127] = 1;
        }
    }
    for (int h = 0; h < TABLE_SIZE; h++) {  /* "<t>" replaces a date word: keys never grow */
        if (self->dates[h].len != 0 && self->dates[h].len < 3) {
            PyErr_SetString(PyExc_ValueError, "date words must have three letters at least");
            return -1;
        }
    }
    return 0;
}

#define READ(i) PyUnicode_READ(kind, data, (i))

static inline int
is_word_ascii(Py_UCS4 c)
{
    return c < 128 && (ascii_class[c] & CL_WORD);
}

static inline Py_UCS4
lower_ascii(Py_UCS4 c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static inline int
is_continuation(Py_UCS4 c)
{
    /* newsclean.templates._CONTINUES */
    return c == ',' || c == '.' || c == ';' || c == ':' || c == ')' || c == ']';
}

static inline int
is_edge_punct_ascii(char c)
{
    /* the ASCII characters of newsclean.templates._EDGE_PUNCT */
    return c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '(' || c == ')' || c == '['
        || c == ']' || c == '\'' || c == '"';
}

static inline int
is_word(Py_UCS4 c)
{
    /* \w of a str pattern (sre: Py_UNICODE_ISALNUM or "_") */
    return c < 128 ? is_word_ascii(c) : Py_UNICODE_ISALNUM(c);
}

/* Whether a simple span (see simple_span) holds a reader word as a whole \w token, lowercased: what
 * _READER_RE.search(span.lower()) finds (a token with a character beyond ASCII is none of them). */
static ALWAYS_INLINE int
has_reader_word(LineMiner *self, int kind, const void *data, Py_ssize_t s, Py_ssize_t e)
{
    char buf[MAX_WORD + 1];
    const Slot *table = self->readers;
    int maxlen = self->readers_max;
    Py_ssize_t i = s;
    while (i < e) {
        Py_UCS4 ch = READ(i);
        if (!is_word(ch)) {
            i++;
            continue;
        }
        int len = 0, ascii = ch < 128 && self->reader_first[lower_ascii(ch)];
        if (!ascii) {  /* no reader word starts so: the word skipped, not copied */
            for (i++; i < e && is_word(READ(i)); i++) {
            }
            continue;
        }
        while (i < e) {
            ch = READ(i);
            if (!is_word(ch)) {
                break;
            }
            if (ch >= 128) {
                ascii = 0;
            }
            else if (len < MAX_WORD) {
                buf[len] = (char)lower_ascii(ch);
            }
            len++;
            i++;
        }
        if (ascii && len <= maxlen && table_lookup(table, buf, len) >= 0) {
            return 1;
        }
    }
    return 0;
}

/* Whether str.lower() of text[a:b] is its characters lowered one by one as ASCII letters are (every
 * character beyond ASCII one that lowercase leaves alone: no capital, no sigma), and its \d are ASCII digits
 * (no decimal digit beyond ASCII), and it encodes (no surrogate). */
static ALWAYS_INLINE int
simple_span(int kind, const void *data, Py_ssize_t a, Py_ssize_t b)
{
    for (Py_ssize_t i = a; i < b; i++) {
        Py_UCS4 ch = READ(i);
        if (ch >= 128 && ((ch >= 0xD800 && ch <= 0xDFFF) || Py_UNICODE_TOLOWER(ch) != ch
                          || Py_UNICODE_ISDECIMAL(ch))) {
            return 0;
        }
    }
    return 1;
}

/* newsclean.templates.last_segment on the (stripped) line data[a:a+n]: where its last sentence starts
 * (relative to a), -1 for None. */
static ALWAYS_INLINE Py_ssize_t
last_segment_at(LineMiner *self, int kind, const void *data, Py_ssize_t a, Py_ssize_t n)
{
    Py_ssize_t lo = n - self->max_segment - 10;
    if (lo < 0) {
        lo = 0;
    }
    Py_ssize_t pos = n;
    for (;;) {
        Py_ssize_t k = pos - 1;
        while (k >= lo) {
            Py_UCS4 ch = READ(a + k);
            if (ch == '.' || ch == '!' || ch == '?') {
                break;
            }
            k--;
        }
        if (k <= lo) {
            return -1;
        }
        Py_ssize_t j = k + 1;
        while (j < n && (READ(a + j) == ' ' || READ(a + j) == '\t')) {
            j++;
        }
        if (j < n) {
            Py_UCS4 c = READ(a + j);
            if ((Py_UNICODE_ISUPPER(c) || Py_UNICODE_ISDIGIT(c) || c == '"' || c == 0x201C)
                    && (j > k + 1 || Py_UNICODE_ISLOWER(READ(a + k - 1)))) {
                /* (the line is stripped: the segment's rstrip() is a no-op) */
                Py_ssize_t m = n - j;
                if (m < self->min_segment || m > self->max_segment || !Py_UNICODE_ISUPPER(c)) {
                    return -1;
                }
                Py_ssize_t spaces = 0;
                for (Py_ssize_t x = j; x < n && spaces < 2; x++) {
                    spaces += READ(a + x) == ' ';
                }
                return spaces < 2 ? -1 : j;
            }
        }
        pos = k;
    }
}

/* The UTF-8 bytes of a character beyond ASCII (not a surrogate) into out: how many (2 to 4). */
static inline Py_ssize_t
utf8_put(unsigned char *out, Py_UCS4 ch)
{
    if (ch < 0x800) {
        out[0] = (unsigned char)(0xC0 | (ch >> 6));
        out[1] = (unsigned char)(0x80 | (ch & 0x3F));
        return 2;
    }
    if (ch < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (ch >> 12));
        out[1] = (unsigned char)(0x80 | ((ch >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (ch & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (ch >> 18));
    out[1] = (unsigned char)(0x80 | ((ch >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((ch >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (ch & 0x3F));
    return 4;
}

static inline void
crc2_utf8(Crc2 *c, Py_UCS4 ch)
{
    unsigned char bytes[4];
    Py_ssize_t n = utf8_put(bytes, ch);
    for (Py_ssize_t i = 0; i < n; i++) {
        crc2_byte(c, bytes[i]);
    }
}

static inline int
is_edge_punct(Py_UCS4 c)
{
    /* newsclean.templates._EDGE_PUNCT */
    return c < 128 ? is_edge_punct_ascii((char)c) : c == 0x201C || c == 0x201D || c == 0x2018 || c == 0x2019;
}

static inline void
crc2_char(Crc2 *c, Py_UCS4 ch)
{
    if (ch < 128) {
        crc2_byte(c, (unsigned char)ch);
    }
    else {
        crc2_utf8(c, ch);
    }
}

/* The 64-bit key hash of a simple line (see simple_span) without "@", "/" or "www." (any case):
 * template_key's lowercase, numbers, spaces and date words, then key_hash. tmp: b - a characters. */
static ALWAYS_INLINE PyObject *
simple_key_hash(LineMiner *self, int kind, const void *data, Py_ssize_t a, Py_ssize_t b, Py_UCS4 *tmp)
{
    Py_ssize_t m = 0, i = a;
    while (i < b) {
        Py_UCS4 ch = READ(i);
        if (ch >= '0' && ch <= '9') {  /* _NUM_RE (no "/" here, ASCII digits only): \d+(?:[.,:]\d+)* -> "0" */
            while (i < b && READ(i) >= '0' && READ(i) <= '9') {
                i++;
            }
            while (i + 1 < b) {
                Py_UCS4 sep = READ(i), nx = READ(i + 1);
                if (!((sep == '.' || sep == ',' || sep == ':') && nx >= '0' && nx <= '9')) {
                    break;
                }
                i++;
                while (i < b && READ(i) >= '0' && READ(i) <= '9') {
                    i++;
                }
            }
            tmp[m++] = '0';
        }
        else {
            tmp[m++] = lower_ascii(ch);
            i++;
        }
    }
    Crc2 c;
    crc2_init(&c);
    int first = 1;
    char core[MAX_WORD + 1];
    i = 0;
    while (i < m) {
        while (i < m && Py_UNICODE_ISSPACE(tmp[i])) {
            i++;
        }
        if (i >= m) {
            break;
        }
        Py_ssize_t ws = i;
        while (i < m && !Py_UNICODE_ISSPACE(tmp[i])) {
            i++;
        }
        Py_ssize_t we = i, cs = ws, ce = we;
        while (cs < ce && is_edge_punct(tmp[cs])) {
            cs++;
        }
        while (ce > cs && is_edge_punct(tmp[ce - 1])) {
            ce--;
        }
        if (!first) {
            crc2_byte(&c, ' ');
        }
        first = 0;
        int date = ce > cs && ce - cs <= self->dates_max;
        for (Py_ssize_t x = cs; date && x < ce; x++) {
            date = tmp[x] < 128;
            core[x - cs] = (char)tmp[x];
        }
        if (date && table_lookup(self->dates, core, (int)(ce - cs)) >= 0) {
            for (Py_ssize_t x = ws; x < cs; x++) {
                crc2_char(&c, tmp[x]);
            }
            crc2_byte(&c, '<');
            crc2_byte(&c, 't');
            crc2_byte(&c, '>');
            for (Py_ssize_t x = ce; x < we; x++) {
                crc2_char(&c, tmp[x]);
            }
        }
        else {
            for (Py_ssize_t x = ws; x < we; x++) {
                crc2_char(&c, tmp[x]);
            }
        }
    }
    return crc2_value(&c);
}

/* The story hash of a line (newsclean.templates._story_hash): its lowercase in UTF-8 without ASCII spaces and
 * punctuation. A character beyond ASCII that lowercase leaves alone is its own UTF-8 bytes; with another one
 * (a capital, a surrogate) str.lower() and the encoder are asked. The bytes are gathered in stage (4 * (b - a)
 * bytes at least), then both CRC registers run over them eight bytes a step. */
static ALWAYS_INLINE int
story_hash(PyObject *text, int kind, const void *data, Py_ssize_t a, Py_ssize_t b, unsigned char *stage,
           uint64_t *out)
{
    Crc2 c;
    crc2_init(&c);
    Py_ssize_t m = 0;
    for (Py_ssize_t i = a; i < b; i++) {
        Py_UCS4 ch = READ(i);
        if (ch < 128) {
            /* (a byte written for every character, counted only for an alphanumeric one: no branch) */
            unsigned char x = story_byte[ch];
            stage[m] = x;
            m += x != 0;
        }
        else if ((ch >= 0xD800 && ch <= 0xDFFF) || Py_UNICODE_TOLOWER(ch) != ch) {
            goto slow;
        }
        else {
            m += utf8_put(stage + m, ch);
        }
    }
    crc2_bytes(&c, stage, m);
    *out = crc2_u64(&c);
    return 0;
  slow:
    crc2_init(&c);
    PyObject *sub = PyUnicode_Substring(text, a, b);
    if (sub == NULL) {
        return -1;
    }
    PyObject *low = PyObject_CallMethod(sub, "lower", NULL);
    Py_DECREF(sub);
    if (low == NULL) {
        return -1;
    }
    Py_ssize_t n;
    const char *u = PyUnicode_AsUTF8AndSize(low, &n);
    if (u == NULL) {
        Py_DECREF(low);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)u[i];
        if (x >= 128 || is_alnum_ascii(x)) {
            crc2_byte(&c, x);
        }
    }
    Py_DECREF(low);
    *out = crc2_u64(&c);
    return 0;
}

static inline int
is_linebreak(Py_UCS4 ch)
{
    /* Py_UNICODE_ISLINEBREAK (str.splitlines), its ASCII part inline */
    if (ch < 128) {
        return ascii_class[ch] & CL_BREAK;
    }
    return Py_UNICODE_ISLINEBREAK(ch);
}

/* TemplateMiner's counting of a line key h (a new reference, stolen; NULL: an error) of the line text[a:b]:
 * `if h not in seen and h != title_key: seen.add(h); if h not in example: example[h] = line` -- or, for a
 * closing sentence (title_key NULL), `if h not in seen: seen.add(h); example.setdefault(h, sentence)`. */
static int
count_key(PyObject *h, PyObject *title_key, PyObject *seen, PyObject *example, PyObject *text, Py_ssize_t a,
          Py_ssize_t b)
{
    if (h == NULL) {
        return -1;
    }
    int r = PySet_Contains(seen, h);
    if (r == 0 && title_key != NULL && title_key != Py_None) {
        r = PyObject_RichCompareBool(h, title_key, Py_EQ);
    }
    if (r == 0) {
        r = PySet_Add(seen, h);
        if (r == 0) {
            r = PyDict_Contains(example, h);
            if (r == 0) {
                PyObject *line = PyUnicode_Substring(text, a, b);
                r = line == NULL ? -1 : PyDict_SetItem(example, h, line);
                Py_XDECREF(line);
            }
        }
    }
    Py_DECREF(h);
    return r < 0 ? -1 : 0;
}

/* A line the caller judges: judge(line, is_sentence) gives its key hash, or None when it counts for nothing. */
static int
judge_line(PyObject *judge, PyObject *title_key, PyObject *seen, PyObject *example, PyObject *text, Py_ssize_t a,
           Py_ssize_t b, int sentence)
{
    PyObject *line = PyUnicode_Substring(text, a, b);
    if (line == NULL) {
        return -1;
    }
    PyObject *h = PyObject_CallFunctionObjArgs(judge, line, sentence ? Py_True : Py_False, NULL);
    Py_DECREF(line);
    if (h == Py_None) {
        Py_DECREF(h);
        return 0;
    }
    return count_key(h, sentence ? NULL : title_key, seen, example, text, a, b);
}

/* LineMiner_call for a text of one kind (a constant where it is instantiated). */
static int
cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

static ALWAYS_INLINE PyObject *
miner_lines(LineMiner *self, PyObject *text, int kind, PyObject *title_key, PyObject *seen, PyObject *example,
            PyObject *judge, PyObject *extra)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    const void *data = PyUnicode_DATA(text);
    int all_ascii = PyUnicode_IS_ASCII(text);
    /* The stripped, non-empty lines of str.splitlines(). */
    Py_ssize_t cap = 64, nlines = 0, longest = 0;
    Py_ssize_t *spans = PyMem_Malloc(sizeof(Py_ssize_t) * 2 * cap);
    Py_UCS4 *buf = NULL;
    unsigned char *stage = NULL;
    uint64_t *longs = NULL;  /* the story hashes (extra's first, if given): sorted and unique at the end */
    Py_ssize_t nlongs = 0;
    PyObject *out = NULL;
    if (spans == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i <= n; i++) {
        Py_ssize_t s = i;
        if (kind == PyUnicode_1BYTE_KIND) {  /* (a constant in each instance of this function) */
            const Py_UCS1 *u1 = (const Py_UCS1 *)data;
            while (i < n && !break1[u1[i]]) {
                i++;
            }
        }
        else {
            while (i < n && !is_linebreak(READ(i))) {
                i++;
            }
        }
        Py_ssize_t e = i;
        while (s < e && Py_UNICODE_ISSPACE(READ(s))) {
            s++;
        }
        while (e > s && Py_UNICODE_ISSPACE(READ(e - 1))) {
            e--;
        }
        if (e > s) {
            if (nlines == cap) {
                cap *= 2;
                Py_ssize_t *more = PyMem_Realloc(spans, sizeof(Py_ssize_t) * 2 * cap);
                if (more == NULL) {
                    PyErr_NoMemory();
                    goto done;
                }
                spans = more;
            }
            spans[2 * nlines] = s;
            spans[2 * nlines + 1] = e;
            nlines++;
            if (e - s > longest) {
                longest = e - s;
            }
        }
    }
    buf = PyMem_Malloc(sizeof(Py_UCS4) * ((self->max_chars < n ? self->max_chars : n) + 1));
    stage = PyMem_Malloc(4 * longest + 1);  /* a line's UTF-8 (story_hash) */
    longs = PyMem_Malloc(sizeof(uint64_t) * (nlines + 1));
    if (buf == NULL || stage == NULL || longs == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (extra != NULL && extra != Py_None) {
        longs[nlongs] = PyLong_AsUnsignedLongLong(extra);
        if (longs[nlongs] == (uint64_t)-1 && PyErr_Occurred()) {
            goto done;
        }
        nlongs++;
    }
    for (Py_ssize_t L = 0; L < nlines; L++) {
        Py_ssize_t a = spans[2 * L], b = spans[2 * L + 1], len = b - a;
        int is_long = len >= self->story_chars, is_short = len >= self->min_chars && len <= self->max_chars;
        if (!is_long && !is_short) {
            continue;
        }
        int simple = all_ascii || simple_span(kind, data, a, b);
        if (is_long) {
            if (story_hash(text, kind, data, a, b, stage, &longs[nlongs]) < 0) {
                goto done;
            }
            nlongs++;
            Py_ssize_t j = last_segment_at(self, kind, data, a, len);
            if (j >= 0) {
                int seg_simple = simple || simple_span(kind, data, a + j, b);
                /* A simple closing sentence without a reader word is no prompt (_is_prompt): the others are
                 * judged by the caller. */
                if ((!seg_simple || has_reader_word(self, kind, data, a + j, b))
                        && judge_line(judge, title_key, seen, example, text, a + j, b, 1) < 0) {
                    goto done;
                }
            }
        }
        if (!is_short) {
            continue;
        }
        /* is_fragment */
        if (is_continuation(READ(a))) {
            continue;
        }
        if (L + 1 < nlines) {
            Py_UCS4 c = READ(spans[2 * L + 2]);
            if (is_continuation(c) || Py_UNICODE_ISLOWER(c)) {
                continue;
            }
        }
        /* One pass over the line (links and handles defer it to Python; else is_candidate's counts): the
         * quotes, the spaces, the word characters of the first 60. */
        int defer = !simple, quote = 0, three = 0;
        Py_ssize_t spaces = 0;
        for (Py_ssize_t i = a; !defer && i < b; i++) {
            Py_UCS4 ch = READ(i);
            int word;
            if (ch < 128) {
                unsigned int cl = ascii_class[ch];
                if ((cl & CL_DEFER)
                        && (ch == '@' || ch == '/' || (i + 3 < b && lower_ascii(READ(i + 1)) == 'w'
                                                       && lower_ascii(READ(i + 2)) == 'w' && READ(i + 3) == '.'))) {
                    defer = 1;
                    break;
                }
                quote |= cl & CL_QUOTE;
                spaces += (cl & CL_SPACE) != 0;
                word = (cl & CL_WORD) != 0;
            }
            else {
                quote |= ch == 0x201C || ch == 0x201D || ch == 0xAB || ch == 0xBB || ch == 0x201E;
                word = i - a < 60 && Py_UNICODE_ISALNUM(ch);
            }
            three += i - a < 60 && word;
        }
        if (defer) {  /* links, handles, capitals beyond ASCII: is_candidate and the key in Python */
            if (judge_line(judge, title_key, seen, example, text, a, b, 0) < 0) {
                goto done;
            }
            continue;
        }
        if (quote || three < 3) {
            continue;
        }
        Py_UCS4 last = READ(b - 1);
        int ends = last == '.' || last == '!' || last == '?';
        if (!ends && last == ')' && len >= 2) {
            Py_UCS4 c = READ(b - 2);
            ends = c == '.' || c == '!' || c == '?';
        }
        if (ends && spaces >= self->sentence_spaces && !has_reader_word(self, kind, data, a, b)) {
            continue;
        }
        if (count_key(simple_key_hash(self, kind, data, a, b, buf), title_key, seen, example, text, a, b) < 0) {
            goto done;
        }
    }
    /* array("Q", sorted(set(hashes))) of TemplateMiner.add, as its machine bytes */
    qsort(longs, (size_t)nlongs, sizeof(uint64_t), cmp_u64);
    Py_ssize_t u = 0;
    for (Py_ssize_t k = 0; k < nlongs; k++) {
        if (u == 0 || longs[k] != longs[u - 1]) {
            longs[u++] = longs[k];
        }
    }
    out = PyBytes_FromStringAndSize((const char *)longs, u * (Py_ssize_t)sizeof(uint64_t));
  done:
    PyMem_Free(spans);
    PyMem_Free(buf);
    PyMem_Free(stage);
    PyMem_Free(longs);
    return out;
}

static PyObject *
LineMiner_call(LineMiner *self, PyObject *args, PyObject *kwds)
{
    PyObject *text, *title_key, *seen, *example, *judge, *extra = NULL;
    if (!PyArg_ParseTuple(args, "UOO!O!O|O", &text, &title_key, &PySet_Type, &seen, &PyDict_Type, &example, &judge,
                          &extra)) {
        return NULL;
    }
    switch (PyUnicode_KIND(text)) {
    case PyUnicode_1BYTE_KIND:
        return miner_lines(self, text, PyUnicode_1BYTE_KIND, title_key, seen, example, judge, extra);
    case PyUnicode_2BYTE_KIND:
        return miner_lines(self, text, PyUnicode_2BYTE_KIND, title_key, seen, example, judge, extra);
    default:
        return miner_lines(self, text, PyUnicode_4BYTE_KIND, title_key, seen, example, judge, extra);
    }
}

#undef READ

static inline int
is_digit_at(int kind, const void *data, Py_ssize_t i)
{
    Py_UCS4 ch = PyUnicode_READ(kind, data, i);
    return ch >= '0' && ch <= '9';
}

/* Whether newsclean.Templates.segment_start (a sentence end, spaces or tabs, one of heads -- plain lowercase
 * words -- then a space or the end) may be found in the lowercased last tail_chars of text[a:b]: found, or
 * that text not simple (see simple_span: lowercase may change its length). 1 or 0 (heads: a tuple of str, the
 * caller checks). One pass over the tail, for a str kind that is a constant where it is instantiated: a
 * character that is not simple answers 1 at once (so would the test of the whole tail first), and so does a
 * head found after a sentence end. */
static ALWAYS_INLINE int
segment_start_in_kind(int kind, const void *data, Py_ssize_t a, Py_ssize_t b, PyObject *heads,
                      Py_ssize_t tail_chars)
{
    Py_ssize_t t = b - tail_chars > a ? b - tail_chars : a;
    Py_ssize_t nh = PyTuple_GET_SIZE(heads);
    for (Py_ssize_t p = t; p < b; p++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, p);
        if (ch >= 128) {
            if ((ch >= 0xD800 && ch <= 0xDFFF) || Py_UNICODE_TOLOWER(ch) != ch || Py_UNICODE_ISDECIMAL(ch)) {
                return 1;
            }
            continue;
        }
        if (ch != '.' && ch != '!' && ch != '?') {
            continue;
        }
        Py_ssize_t q = p + 1;
        while (q < b && (PyUnicode_READ(kind, data, q) == ' ' || PyUnicode_READ(kind, data, q) == '\t')) {
            q++;
        }
        for (Py_ssize_t k = 0; k < nh; k++) {
            PyObject *h = PyTuple_GET_ITEM(heads, k);
            Py_ssize_t hn = PyUnicode_GET_LENGTH(h), x = 0;
            if (hn == 0 || q + hn > b) {
                continue;
            }
            int hk = PyUnicode_KIND(h);
            const void *hd = PyUnicode_DATA(h);
            while (x < hn && lower_ascii(PyUnicode_READ(kind, data, q + x)) == PyUnicode_READ(hk, hd, x)) {
                x++;
            }
            if (x == hn && (q + hn == b || Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, q + hn)))) {
                return 1;
            }
        }
    }
    return 0;
}

static int
segment_start_in(int kind, const void *data, Py_ssize_t a, Py_ssize_t b, PyObject *heads, Py_ssize_t tail_chars)
{
    switch (kind) {
    case PyUnicode_1BYTE_KIND:
        return segment_start_in_kind(PyUnicode_1BYTE_KIND, data, a, b, heads, tail_chars);
    case PyUnicode_2BYTE_KIND:
        return segment_start_in_kind(PyUnicode_2BYTE_KIND, data, a, b, heads, tail_chars);
    default:
        return segment_start_in_kind(PyUnicode_4BYTE_KIND, data, a, b, heads, tail_chars);
    }
}

/* Whether the head of text[a:b]'s first word (newsclean.templates._head) is a key of heads: 1, 0, or 1 when
 * this cannot tell cheaply (a first word beyond ASCII, with "@", "/" or "www."); -1 on error. */
static int
head_in(LineMiner *self, int kind, const void *data, Py_ssize_t a, Py_ssize_t b, PyObject *heads)
{
    char buf[MAX_WORD + 8];
    /* the first word: up to a space (str.split()), lowercased, numbers as "0" (template_key) */
    Py_ssize_t e = a, w = 0;
    while (e < b) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, e);
        if (Py_UNICODE_ISSPACE(ch)) {
            break;
        }
        if (ch >= 128 || ch == '@' || ch == '/' || w >= MAX_WORD) {
            return 1;
        }
        if (ch >= '0' && ch <= '9') {  /* \d+(?:[.,:]\d+)* */
            while (e < b && is_digit_at(kind, data, e)) {
                e++;
            }
            while (e + 1 < b) {
                Py_UCS4 sep = PyUnicode_READ(kind, data, e);
                if (!((sep == '.' || sep == ',' || sep == ':') && is_digit_at(kind, data, e + 1))) {
                    break;
                }
                e++;
                while (e < b && is_digit_at(kind, data, e)) {
                    e++;
                }
            }
            buf[w++] = '0';
            continue;
        }
        buf[w++] = (char)lower_ascii(ch);
        e++;
    }
    for (Py_ssize_t x = 0; x + 3 < w; x++) {
        if (memcmp(buf + x, "www.", 4) == 0) {
            return 1;
        }
    }
    Py_ssize_t cs = 0, ce = w;
    while (cs < ce && is_edge_punct_ascii(buf[cs])) {
        cs++;
    }
    while (ce > cs && is_edge_punct_ascii(buf[ce - 1])) {
        ce--;
    }
    PyObject *head;
    if (ce > cs && ce - cs <= self->dates_max && table_lookup(self->dates, buf + cs, (int)(ce - cs)) >= 0) {
        char rep[MAX_WORD + 8];
        memcpy(rep, buf, cs);
        memcpy(rep + cs, "<t>", 3);
        memcpy(rep + cs + 3, buf + ce, w - ce);
        head = PyUnicode_FromStringAndSize(rep, cs + 3 + (w - ce));
    }
    else {
        head = PyUnicode_FromStringAndSize(buf, w);
    }
    if (head == NULL) {
        return -1;
    }
    PyObject *counts = PyDict_GetItemWithError(heads, head);
    Py_DECREF(head);
    if (counts == NULL) {
        return PyErr_Occurred() ? -1 : 0;
    }
    /* ... and the line has as many words as a template of that head (TemplateCleaner.run: len(s.split())) */
    Py_ssize_t words = 0;
    int in_word = 0;
    for (Py_ssize_t k = a; k < b; k++) {
        if (Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, k))) {
            in_word = 0;
        }
        else if (!in_word) {
            in_word = 1;
            words++;
        }
    }
    PyObject *nw = PyLong_FromSsize_t(words);
    if (nw == NULL) {
        return -1;
    }
    int r = PySequence_Contains(counts, nw);
    Py_DECREF(nw);
    return r;
}

/* Whether TemplateCleaner._cut_segments may cut the (unstripped) line data[:n]: 1 when the head of its last
 * sentence (newsclean.templates.last_segment) is one of heads (plain first words: see _plain_head, so _head of
 * the sentence is its first word lowercased), 0 when the line has no last sentence or its head is none of them,
 * 1 when this cannot tell cheaply (a line ending in whitespace, a first word whose lowercase is not per
 * character); -1 on error. */
static int
last_segment_head_in(LineMiner *self, int kind, const void *data, Py_ssize_t n, PyObject *heads)
{
    if (n == 0 || Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, n - 1))) {
        return 1;
    }
    Py_ssize_t j = last_segment_at(self, kind, data, 0, n);
    if (j < 0) {
        return 0;
    }
    Py_ssize_t e = j;
    while (e < n && !Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, e))) {
        e++;
    }
    if (!simple_span(kind, data, j, e)) {
        return 1;
    }
    Py_UCS4 small[64];
    Py_UCS4 *buf = e - j <= 64 ? small : PyMem_Malloc(sizeof(Py_UCS4) * (size_t)(e - j));
    if (buf == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t k = j; k < e; k++) {
        buf[k - j] = lower_ascii(PyUnicode_READ(kind, data, k));
    }
    PyObject *word = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf, e - j);
    if (buf != small) {
        PyMem_Free(buf);
    }
    if (word == NULL) {
        return -1;
    }
    int found = PySequence_Contains(heads, word);
    Py_DECREF(word);
    return found;
}

/* LineMiner.template_lines(lines, heads, max_chars, long_chars, segment_heads): the indexes of the lines (str;
 * None and "" are dropped lines) that TemplateCleaner.run may change: whose stripped length is long_chars
 * at least (long_chars < 0: none such) and where a closing-sentence template may start (segment_start_in;
 * segment_heads None: any such line) and whose last sentence starts with one of segment_heads
 * (last_segment_head_in), or at most max_chars with a first word whose head is a key of heads and as many
 * words as one of that key's word counts (head_in); a line that is not a str. */
static PyObject *
LineMiner_template_lines(LineMiner *self, PyObject *args)
{
    PyObject *lines, *heads, *seg_heads;
    Py_ssize_t max_chars, long_chars;
    if (!PyArg_ParseTuple(args, "O!O!nnO", &PyList_Type, &lines, &PyDict_Type, &heads, &max_chars, &long_chars,
                          &seg_heads)) {
        return NULL;
    }
    if (seg_heads != Py_None && !PyTuple_Check(seg_heads)) {
        PyErr_SetString(PyExc_TypeError, "segment_heads must be a tuple or None");
        return NULL;
    }
    for (Py_ssize_t k = 0; seg_heads != Py_None && k < PyTuple_GET_SIZE(seg_heads); k++) {
        if (!PyUnicode_Check(PyTuple_GET_ITEM(seg_heads, k))) {  /* (checked once: segment_start_in reads them) */
            PyErr_SetString(PyExc_TypeError, "heads must be strings");
            return NULL;
        }
    }
    PyObject *out = PyList_New(0);
    if (out == NULL) {
        return NULL;
    }
    Py_ssize_t m = PyList_GET_SIZE(lines);
    for (Py_ssize_t i = 0; i < m; i++) {
        PyObject *line = PyList_GET_ITEM(lines, i);
        if (line == Py_None) {
            continue;
        }
        int take = 1;
        if (PyUnicode_CheckExact(line)) {
            Py_ssize_t n = PyUnicode_GET_LENGTH(line);
            int kind = PyUnicode_KIND(line);
            const void *data = PyUnicode_DATA(line);
            Py_ssize_t a = 0, b = n;
            while (a < b && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, a))) {
                a++;
            }
            while (b > a && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, b - 1))) {
                b--;
            }
            Py_ssize_t len = b - a;
            if (len == 0) {
                continue;
            }
            take = 0;
            if (long_chars >= 0 && len >= long_chars) {
                take = seg_heads == Py_None ? 1 : segment_start_in(kind, data, a, b, seg_heads, self->max_segment + 10);
                if (take > 0) {
                    take = last_segment_head_in(self, kind, data, n, seg_heads);
                }
            }
            if (take == 0 && len <= max_chars) {
                take = head_in(self, kind, data, a, b, heads);
            }
            if (take < 0) {
                Py_DECREF(out);
                return NULL;
            }
        }
        if (take) {
            PyObject *v = PyLong_FromSsize_t(i);
            if (v == NULL || PyList_Append(out, v) < 0) {
                Py_XDECREF(v);
                Py_DECREF(out);
                return NULL;
            }
            Py_DECREF(v);
        }
    }
    return out;
}

/* LineMiner.key(line): key_hash(template_key(line)) when line is simple (see simple_span) without "@", "/"
 * or "www." (any case), else None (the caller computes it). */
static PyObject *
LineMiner_key(LineMiner *self, PyObject *line)
{
    if (!PyUnicode_Check(line)) {
        PyErr_SetString(PyExc_TypeError, "key() takes a str");
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(line);
    int kind = PyUnicode_KIND(line);
    const void *data = PyUnicode_DATA(line);
    if (!PyUnicode_IS_ASCII(line) && !simple_span(kind, data, 0, n)) {
        Py_RETURN_NONE;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (ch == '@' || ch == '/' || ((ch == 'w' || ch == 'W') && i + 3 < n
                                       && lower_ascii(PyUnicode_READ(kind, data, i + 1)) == 'w'
                                       && lower_ascii(PyUnicode_READ(kind, data, i + 2)) == 'w'
                                       && PyUnicode_READ(kind, data, i + 3) == '.')) {
            Py_RETURN_NONE;
        }
    }
    Py_UCS4 small[256];
    Py_UCS4 *tmp = n <= 256 ? small : PyMem_Malloc(sizeof(Py_UCS4) * n);
    if (tmp == NULL) {
        return PyErr_NoMemory();
    }
    PyObject *h = simple_key_hash(self, kind, data, 0, n, tmp);
    if (tmp != small) {
        PyMem_Free(tmp);
    }
    return h;
}

static PyMethodDef LineMiner_methods[] = {
    {"key", (PyCFunction)LineMiner_key, METH_O,
     "key(line): key_hash(template_key(line)) of a line whose lowercase is per character, without links or handles; "
     "else None."},
    {"template_lines", (PyCFunction)LineMiner_template_lines, METH_VARARGS,
     "template_lines(lines, heads, max_chars, long_chars, segment_heads): the lines TemplateCleaner.run looks at "
     "(a superset)."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject LineMinerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "newsclean._speedups.LineMiner",
    .tp_basicsize = sizeof(LineMiner),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "LineMiner(date_words, reader_words, story_chars, min_chars, max_chars, max_sentence_words, "
              "min_segment, max_segment)(text, title_key, seen, example, judge[, extra]): TemplateMiner.add's lines "
              "counted; the story hashes of the long ones and extra, sorted without repeats, as array('Q') bytes.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)LineMiner_init,
    .tp_call = (ternaryfunc)LineMiner_call,
    .tp_methods = LineMiner_methods,
};

/* -- the line model's feature rows --------------------------------------------------------------------- */

/* Whether str.lower() of s is its characters lowered one by one as ASCII letters are (nothing beyond ASCII
 * that lowercase changes) and s encodes (no surrogate): then \w runs of the lowercase are runs of s. */
static int
lower_is_ascii_lower(int kind, const void *data, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (ch >= 128 && ((ch >= 0xD800 && ch <= 0xDFFF) || Py_UNICODE_TOLOWER(ch) != ch)) {
            return 0;
        }
    }
    return 1;
}

static inline int
is_word_char(Py_UCS4 c)
{
    /* newsclean.linemodel._WORD_RE's class: [\w'’.-] */
    return is_word(c) || c == '\'' || c == 0x2019 || c == '.' || c == '-';
}

static inline int
is_word_edge(Py_UCS4 c)
{
    /* the characters _words strips: ".-'’" */
    return c == '.' || c == '-' || c == '\'' || c == 0x2019;
}

/* set(newsclean.linemodel._words(s)) for an s whose lowercase is per character (lower_is_ascii_lower);
 * buf: room for n characters. */
static PyObject *
word_set(int kind, const void *data, Py_ssize_t n, Py_UCS4 *buf)
{
    PyObject *out = PySet_New(NULL);
    if (out == NULL) {
        return NULL;
    }
    Py_ssize_t i = 0;
    while (i < n) {
        if (!is_word_char(PyUnicode_READ(kind, data, i))) {
            i++;
            continue;
        }
        Py_ssize_t a = i;
        while (i < n && is_word_char(PyUnicode_READ(kind, data, i))) {
            i++;
        }
        Py_ssize_t b = i;
        while (a < b && is_word_edge(PyUnicode_READ(kind, data, a))) {
            a++;
        }
        while (b > a && is_word_edge(PyUnicode_READ(kind, data, b - 1))) {
            b--;
        }
        for (Py_ssize_t k = a; k < b; k++) {
            buf[k - a] = lower_ascii(PyUnicode_READ(kind, data, k));
        }
        PyObject *w = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf, b - a);
        if (w == NULL || PySet_Add(out, w) < 0) {
            Py_XDECREF(w);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(w);
    }
    return out;
}

static Py_UCS4 *
char_buffer(Py_ssize_t n, Py_UCS4 *small, Py_ssize_t small_size)
{
    if (n <= small_size) {
        return small;
    }
    Py_UCS4 *buf = PyMem_Malloc(sizeof(Py_UCS4) * (size_t)n);
    if (buf == NULL) {
        PyErr_NoMemory();
    }
    return buf;
}

static PyObject *
line_words(PyObject *module, PyObject *s)
{
    if (!PyUnicode_Check(s)) {
        PyErr_SetString(PyExc_TypeError, "line_words() takes a str");
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    if (!PyUnicode_IS_ASCII(s) && !lower_is_ascii_lower(kind, data, n)) {
        Py_RETURN_NONE;
    }
    Py_UCS4 small[512];
    Py_UCS4 *buf = char_buffer(n, small, 512);
    if (buf == NULL) {
        return NULL;
    }
    PyObject *out = word_set(kind, data, n, buf);
    if (buf != small) {
        PyMem_Free(buf);
    }
    return out;
}

static inline int
is_decimal(Py_UCS4 c)
{
    /* \d of a str pattern (sre: Py_UNICODE_ISDECIMAL) */
    return c < 128 ? (c >= '0' && c <= '9') : Py_UNICODE_ISDECIMAL(c);
}

static inline int
is_ascii_punct(Py_UCS4 c)
{
    /* string.punctuation */
    return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
}

#define SHAPE_FEATURES 24
#define SHAPE_DATE 19
#define MAX_CUES 31

/* The hints of newsclean.linemodel._shape's has_url, found in a lowercase as str.lower() gives it (see
 * line_shape). */
static const char *const URL_HINTS[] = {"http", "www.", ".com", ".co.id", ".id/", ".org", ".net"};

static int
has_hint(const unsigned char *low, Py_ssize_t n)
{
    for (size_t h = 0; h < sizeof(URL_HINTS) / sizeof(URL_HINTS[0]); h++) {
        const char *hint = URL_HINTS[h];
        Py_ssize_t m = (Py_ssize_t)strlen(hint);
        for (Py_ssize_t i = 0; i + m <= n; i++) {
            if (low[i] == (unsigned char)hint[0] && memcmp(low + i, hint, (size_t)m) == 0) {
                return 1;
            }
        }
    }
    return 0;
}

static PyObject *
line_shape(PyObject *module, PyObject *args)
{
    PyObject *s, *table, *log1p_table;
    int ncues;
    if (!PyArg_ParseTuple(args, "UO!O!i", &s, &PyDict_Type, &table, &PyTuple_Type, &log1p_table, &ncues)) {
        return NULL;
    }
    if (ncues < 0 || ncues > MAX_CUES) {
        PyErr_SetString(PyExc_ValueError, "too many cue families");
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    if (n == 0 || n >= PyTuple_GET_SIZE(log1p_table)
            || (!PyUnicode_IS_ASCII(s) && !lower_is_ascii_lower(kind, data, n))) {
        Py_RETURN_NONE;
    }
    PyObject *log1p_n = PyTuple_GET_ITEM(log1p_table, n);
    if (!PyFloat_CheckExact(log1p_n)) {
        Py_RETURN_NONE;
    }
    unsigned char small_low[512];
    unsigned char *low = n <= 512 ? small_low : PyMem_Malloc((size_t)n);
    if (low == NULL) {
        return PyErr_NoMemory();
    }
    Py_ssize_t letters = 0, upper = 0, digits = 0, punct = 0, nw = 0, title = 0, seps = 0, quotes = 0, commas = 0;
    int at = 0, paren = 0, time = 0, in_word = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (ch < 128) {
            if (ch >= 'A' && ch <= 'Z') {
                letters++;
                upper++;
            }
            else if (ch >= 'a' && ch <= 'z') {
                letters++;
            }
            else if (ch >= '0' && ch <= '9') {
                digits++;
            }
            else if (is_ascii_punct(ch)) {
                punct++;
                at |= ch == '@';
                paren |= ch == '(';
                seps += ch == '|';
                quotes += ch == '"';
                commas += ch == ',';
            }
            low[i] = (unsigned char)lower_ascii(ch);
        }
        else {
            seps += ch == 0x2022 || ch == 0x00B7 || ch == 0x00BB || ch == 0x203A;
            quotes += ch == 0x201C || ch == 0x201D || ch == 0x00AB || ch == 0x00BB;
            low[i] = 0;  /* no hint holds it (lowercase is per character here: see lower_is_ascii_lower) */
        }
        if (Py_UNICODE_ISSPACE(ch)) {
            in_word = 0;
        }
        else if (!in_word) {
            in_word = 1;
            nw++;
            title += Py_UNICODE_ISUPPER(ch) != 0;
        }
        if (!time && i + 3 < n && is_decimal(ch)) {
            Py_UCS4 sep = PyUnicode_READ(kind, data, i + 1);
            time = (sep == ':' || sep == '.') && is_decimal(PyUnicode_READ(kind, data, i + 2))
                   && is_decimal(PyUnicode_READ(kind, data, i + 3));
        }
    }
    int url = has_hint(low, n);
    if (low != small_low) {
        PyMem_Free(low);
    }
    Py_UCS4 first = PyUnicode_READ(kind, data, 0), last = PyUnicode_READ(kind, data, n - 1);
    /* "…" at the end, or _cut_short: (?:\.[ \t\u00a0]?){2}\.$ */
    int ellipsis = last == 0x2026;
    if (!ellipsis && last == '.') {
        Py_ssize_t k = n - 2;
        int dots = 0;
        while (dots < 2 && k >= 0) {
            Py_UCS4 c = PyUnicode_READ(kind, data, k);
            if (c == ' ' || c == '\t' || c == 0xA0) {
                k--;
                if (k < 0) {
                    break;
                }
                c = PyUnicode_READ(kind, data, k);
            }
            if (c != '.') {
                break;
            }
            dots++;
            k--;
        }
        ellipsis = dots == 2;
    }
    /* _DURATION_END_RE: \d{1,2}:\d{2}(?::\d{2})?\)?$ -- the line ends (before one ")") with \d:\d\d */
    Py_ssize_t e = last == ')' ? n - 1 : n;
    int duration = e >= 4 && is_decimal(PyUnicode_READ(kind, data, e - 1)) && is_decimal(PyUnicode_READ(kind, data, e - 2))
                   && PyUnicode_READ(kind, data, e - 3) == ':' && is_decimal(PyUnicode_READ(kind, data, e - 4));
    double dn = (double)n;
    double row[SHAPE_FEATURES] = {
        0.0, (double)nw, letters ? (double)upper / (double)letters : 0.0, (double)digits / dn, (double)punct / dn,
        nw ? (double)title / (double)nw : 0.0, nw ? dn / (double)nw : 0.0,
        Py_UNICODE_ISUPPER(first) ? 1.0 : 0.0, Py_UNICODE_ISLOWER(first) ? 1.0 : 0.0,
        Py_UNICODE_ISALNUM(first) ? 0.0 : 1.0,
        (last == '.' || last == '!' || last == '?' || last == '"' || last == 0x201D || last == 0x2019 || last == ')')
            ? 1.0 : 0.0,
        last == ':' ? 1.0 : 0.0, Py_UNICODE_ISALNUM(last) ? 1.0 : 0.0, ellipsis ? 1.0 : 0.0, duration ? 1.0 : 0.0,
        url ? 1.0 : 0.0, at ? 1.0 : 0.0, (double)seps, time ? 1.0 : 0.0, 0.0, (double)quotes, (double)commas,
        paren ? 1.0 : 0.0, letters > 3 && upper == letters ? 1.0 : 0.0,
    };
    Py_UCS4 small[512];
    Py_UCS4 *buf = char_buffer(n, small, 512);
    if (buf == NULL) {
        return NULL;
    }
    PyObject *words = word_set(kind, data, n, buf);
    if (buf != small) {
        PyMem_Free(buf);
    }
    if (words == NULL) {
        return NULL;
    }
    /* Each distinct word looked up once: bit 0 a date word, bit 1 + k a word of cue family k. */
    Py_ssize_t counts[MAX_CUES + 1] = {0};
    PyObject *it = PyObject_GetIter(words);
    if (it == NULL) {
        Py_DECREF(words);
        return NULL;
    }
    PyObject *w;
    while ((w = PyIter_Next(it)) != NULL) {
        PyObject *bits = PyDict_GetItemWithError(table, w);
        Py_DECREF(w);
        if (bits == NULL) {
            if (PyErr_Occurred()) {
                break;
            }
            continue;
        }
        long v = PyLong_AsLong(bits);
        if (v == -1 && PyErr_Occurred()) {
            break;
        }
        for (int k = 0; k <= ncues; k++) {
            counts[k] += (v >> k) & 1;
        }
    }
    Py_DECREF(it);
    if (PyErr_Occurred()) {
        Py_DECREF(words);
        return NULL;
    }
    row[SHAPE_DATE] = (double)counts[0];
    PyObject *shape = PyList_New(SHAPE_FEATURES);
    PyObject *cues = PyList_New(ncues);
    if (shape == NULL || cues == NULL) {
        goto fail;
    }
    Py_INCREF(log1p_n);
    PyList_SET_ITEM(shape, 0, log1p_n);
    for (int k = 1; k < SHAPE_FEATURES; k++) {
        PyObject *x = PyFloat_FromDouble(row[k]);
        if (x == NULL) {
            goto fail;
        }
        PyList_SET_ITEM(shape, k, x);
    }
    for (int k = 0; k < ncues; k++) {
        PyObject *x = PyFloat_FromDouble((double)counts[k + 1]);
        if (x == NULL) {
            goto fail;
        }
        PyList_SET_ITEM(cues, k, x);
    }
    PyObject *out = PyTuple_Pack(3, shape, cues, words);
    Py_DECREF(shape);
    Py_DECREF(cues);
    Py_DECREF(words);
    return out;
fail:
    Py_XDECREF(shape);
    Py_XDECREF(cues);
    Py_DECREF(words);
    return NULL;
}

/* newsclean.linemodel._cut_short(data[:n]): the line ends with (?:\.[ \t\u00a0]?){2}\.$ */
static int
cut_short(int kind, const void *data, Py_ssize_t n)
{
    if (n < 3 || PyUnicode_READ(kind, data, n - 1) != '.') {
        return 0;
    }
    Py_ssize_t k = n - 2;
    for (int dots = 0; dots < 2; dots++) {
        if (k < 0) {
            return 0;
        }
        Py_UCS4 c = PyUnicode_READ(kind, data, k);
        if (c == ' ' || c == '\t' || c == 0xA0) {
            if (--k < 0) {
                return 0;
            }
            c = PyUnicode_READ(kind, data, k);
        }
        if (c != '.') {
            return 0;
        }
        k--;
    }
    return 1;
}

/* newsclean.linemodel._ends_like_sentence(data[:n]) */
static int
ends_like_sentence(int kind, const void *data, Py_ssize_t n)
{
    return n > 0 && is_sentence_end(PyUnicode_READ(kind, data, n - 1)) && !cut_short(kind, data, n);
}

/* 1 if newsclean.linemodel.is_scored(line) holds, 0 if not, -1 when the caller must ask it (the line may
 * start "a post shared by", which the attribution pattern matches ignoring case). */
static int
line_is_scored(PyObject *line, Py_ssize_t min_spaces, Py_ssize_t max_chars, Py_ssize_t min_words)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(line);
    int kind = PyUnicode_KIND(line);
    const void *data = PyUnicode_DATA(line);
    Py_ssize_t spaces = 0;
    for (Py_ssize_t j = 0; j < n && spaces < min_spaces; j++) {
        spaces += PyUnicode_READ(kind, data, j) == ' ';
    }
    if (spaces < min_spaces || ends_like_sentence(kind, data, n)) {
        return 0;
    }
    Py_ssize_t m = n;  /* line.rstrip() */
    while (m > 0 && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, m - 1))) {
        m--;
    }
    if (m > max_chars || ends_like_sentence(kind, data, m)) {
        return 0;
    }
    Py_ssize_t words = 0;
    int in_word = 0;
    for (Py_ssize_t j = 0; j < m && words < min_words; j++) {
        if (Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, j))) {
            in_word = 0;
        }
        else if (!in_word) {
            in_word = 1;
            words++;
        }
    }
    if (words < min_words) {
        return 0;
    }
    /* is_post_attribution: \(@[\w.]{1,30}\) anywhere ... */
    for (Py_ssize_t j = 0; j + 3 < m; j++) {
        if (PyUnicode_READ(kind, data, j) == '(' && PyUnicode_READ(kind, data, j + 1) == '@') {
            Py_ssize_t k = j + 2;
            while (k < m && (is_word(PyUnicode_READ(kind, data, k)) || PyUnicode_READ(kind, data, k) == '.')) {
                k++;
            }
            if (k > j + 2 && k - (j + 2) <= 30 && k < m && PyUnicode_READ(kind, data, k) == ')') {
                return 0;
            }
        }
    }
    /* ... or ^a post shared by\b, any case: a line starting with an "a" (or beyond ASCII) is the caller's */
    Py_UCS4 first = PyUnicode_READ(kind, data, 0);
    return first == 'a' || first == 'A' || first >= 128 ? -1 : 1;
}

static PyObject *
scored_lines(PyObject *module, PyObject *args)
{
    PyObject *lines;
    Py_ssize_t min_spaces, max_chars, min_words;
    if (!PyArg_ParseTuple(args, "O!nnn", &PyList_Type, &lines, &min_spaces, &max_chars, &min_words)) {
        return NULL;
    }
    PyObject *out = PyList_New(0);
    if (out == NULL) {
        return NULL;
    }
    Py_ssize_t count = PyList_GET_SIZE(lines);
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *line = PyList_GET_ITEM(lines, i);
        if (line == Py_None) {
            continue;
        }
        int got = -1;
        if (PyUnicode_CheckExact(line)) {
            if (PyUnicode_GET_LENGTH(line) == 0) {
                continue;
            }
            got = line_is_scored(line, min_spaces, max_chars, min_words);
            if (got == 0) {
                continue;
            }
        }
        PyObject *x = PyLong_FromSsize_t(got > 0 ? i : -1 - i);
        if (x == NULL || PyList_Append(out, x) < 0) {
            Py_XDECREF(x);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(x);
    }
    return out;
}

/* squeezed_len(text): len(" ".join(text.split())), without building the words or the joined string (the
 * length of an HTML subtree's text with its whitespace squeezed; newsclean.html.body._squeezed_len_py). A
 * character is whitespace exactly when str.split() splits on it (Py_UNICODE_ISSPACE). */
static PyObject *
squeezed_len(PyObject *module, PyObject *arg)
{
    if (!PyUnicode_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "squeezed_len expects str, got %.100s", Py_TYPE(arg)->tp_name);
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(arg);
    int kind = PyUnicode_KIND(arg);
    const void *data = PyUnicode_DATA(arg);
    Py_ssize_t chars = 0, words = 0;
    int in_word = 0;
    if (kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *p = (const Py_UCS1 *)data;
        for (Py_ssize_t i = 0; i < n; i++) {
            if (Py_UNICODE_ISSPACE(p[i])) {
                in_word = 0;
            } else {
                chars++;
                words += !in_word;
                in_word = 1;
            }
        }
    } else {
        for (Py_ssize_t i = 0; i < n; i++) {
            if (Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i))) {
                in_word = 0;
            } else {
                chars++;
                words += !in_word;
                in_word = 1;
            }
        }
    }
    return PyLong_FromSsize_t(words ? chars + words - 1 : 0);
}

static PyMethodDef methods[] = {
    {"scored_lines", scored_lines, METH_VARARGS,
     "scored_lines(lines, min_spaces, max_chars, min_words): the lines newsclean.linemodel.is_scored holds for, "
     "in order; -1 - i for a line i the caller must test."},
    {"line_shape", line_shape, METH_VARARGS,
     "line_shape(s, table, log1p, ncues): the line model's shape features, cue counts and word set of a stripped "
     "line (None: the caller computes them)."},
    {"line_words", line_words, METH_O, "line_words(s): set(newsclean.linemodel._words(s)), or None."},
    {"scored_candidates", scored_candidates, METH_VARARGS,
     "scored_candidates(lines, min_spaces): the lines the line model may score (a superset)."},
    {"squeezed_len", squeezed_len, METH_O,
     "squeezed_len(text): len(\" \".join(text.split())), without building either."},
    {"cleaner_lines", cleaner_lines, METH_VARARGS,
     "cleaner_lines(text, bitmap): lines holding a trigger of the built-in cleaners (None: odd line breaks)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "newsclean._speedups",
    "Compiled kernels of newsclean (each with a pure-Python definition: see the source).", -1, methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    if (PyType_Ready(&WordCounterType) < 0) {
        return NULL;
    }
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) {
        return NULL;
    }
    if (PyType_Ready(&TreeSumType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&TreeSumType);
    if (PyModule_AddObject(m, "TreeSum", (PyObject *)&TreeSumType) < 0) {
        Py_DECREF(&TreeSumType);
        Py_DECREF(m);
        return NULL;
    }
    crc_init();
    if (PyType_Ready(&LineMinerType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&LineMinerType);
    if (PyModule_AddObject(m, "LineMiner", (PyObject *)&LineMinerType) < 0) {
        Py_DECREF(&LineMinerType);
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&WordCounterType);
    if (PyModule_AddObject(m, "WordCounter", (PyObject *)&WordCounterType) < 0) {
        Py_DECREF(&WordCounterType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
