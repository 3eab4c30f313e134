import { setFieldKeyring } from '../../db/shared/field-keyring';
import { loadKeyring } from '../../lib/crypto/keyring-config';

// The global setup generated this run's keys and put them in the environment.
setFieldKeyring(loadKeyring(process.env, 'tests'));
