"""Writes SeqevalCases.txt: the entities seqeval finds in every tag sequence of length 1 to 3 over O and B/I/E/S of two
types, in strict mode for IOB1, IOB2 and IOBES and in default mode. The C# decoders must agree with every line.

Runs seqeval's own code without installing it (its metrics module needs numpy; get_entities does not):
    git clone https://github.com/chakki-works/seqeval  (the cases were written from commit cd01b52)
    python3 generate_seqeval_cases.py path/to/seqeval > SeqevalCases.txt
"""
import itertools
import pathlib
import sys

root = pathlib.Path(sys.argv[1])
sys.path.insert(0, str(root / 'seqeval'))
from scheme import IOB1, IOB2, IOBES, Tokens  # noqa: E402

# get_entities, end_of_chunk and start_of_chunk are plain functions; take them from the module without its numpy imports.
source = (root / 'seqeval' / 'metrics' / 'sequence_labeling.py').read_text()
namespace = {'warnings': __import__('warnings')}
for name in ('get_entities', 'end_of_chunk', 'start_of_chunk'):
    start = source.index('def ' + name + '(')
    end = source.find('\ndef ', start + 1)
    exec(source[start:end if end > 0 else None], namespace)
get_entities = namespace['get_entities']


def strict(tags, scheme):
    try:
        return ' '.join('{}:{}-{}'.format(e.tag, e.start, e.end) for e in Tokens(list(tags), scheme).entities) or '-'
    except ValueError:  # a prefix the scheme does not have
        return '!'


def default(tags):
    # get_entities ends are inclusive; written exclusive like the strict ones.
    return ' '.join('{}:{}-{}'.format(t, s, e + 1) for t, s, e in get_entities(list(tags))) or '-'


print('# tags\tstrict IOB1\tstrict IOB2\tstrict IOBES\tdefault    (entities TYPE:start-end, end exclusive; - none; ! invalid prefix)')
alphabet = ['O'] + [p + '-' + t for t in ('A', 'B') for p in 'BIES']
for length in (1, 2, 3):
    for tags in itertools.product(alphabet, repeat=length):
        print('\t'.join([' '.join(tags), strict(tags, IOB1), strict(tags, IOB2), strict(tags, IOBES), default(tags)]))
