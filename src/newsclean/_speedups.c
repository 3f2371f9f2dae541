/* Compiled kernels for two character-level scans of every document. Each has a pure-Python
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
 * tests/test_speedups.py checks both against the Python definitions on random and real text.
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

static PyMethodDef methods[] = {
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
    Py_INCREF(&WordCounterType);
    if (PyModule_AddObject(m, "WordCounter", (PyObject *)&WordCounterType) < 0) {
        Py_DECREF(&WordCounterType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
