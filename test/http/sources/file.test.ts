import { join } from 'node:path';
import { describeConformance, typeOf } from '../../helpers/source-conformance.js';

// A file path: the source the middleware uses; opened, described by fstat, read by position.
describeConformance('file path', (fixtures) => ({ input: (file) => join(fixtures.root, file), type: typeOf }));
