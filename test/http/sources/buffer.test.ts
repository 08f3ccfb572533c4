import { bytesOf, describeConformance } from '../../helpers/source-conformance.js';

// A Buffer has no name, so every fixture is application/octet-stream.
describeConformance('Buffer', (fixtures) => ({ input: (file) => bytesOf(fixtures, file), type: () => 'application/octet-stream' }));
