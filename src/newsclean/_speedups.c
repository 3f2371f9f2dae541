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
 *   TreeSum(feature, threshold, value, base)(row)  ==  LineModel._margin(row)
 *       base plus the leaves a row reaches in each regression tree, added in tree order, as doubles
 *       (Python floats are IEEE doubles, the comparisons and additions the same); None when a value
 *       the trees read is not a float (the caller then walks the trees in Python).
 *
 * tests/test_speedups.py checks them against the Python definitions on random and real text.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

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
lookup(WordCounter *self, const char *w, int len)
{
    unsigned int h = hash_word(w, len) & (TABLE_SIZE - 1);
    for (;;) {
        Slot *s = &self->table[h];
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

static int
is_alnum_ascii(Py_UCS4 c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
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

static PyMethodDef methods[] = {
    {"scored_candidates", scored_candidates, METH_VARARGS,
     "scored_candidates(lines, min_spaces): the lines the line model may score (a superset)."},
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
    Py_INCREF(&WordCounterType);
    if (PyModule_AddObject(m, "WordCounter", (PyObject *)&WordCounterType) < 0) {
        Py_DECREF(&WordCounterType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
