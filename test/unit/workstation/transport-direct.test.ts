/** The contract suite in process (dispatch + JSON cloning, no wire). */
import { KensaServices } from '../../../main/services/kensa-services';
import { directClient } from '../../../main/services/direct';
import { dispatch } from '../../../main/services/dispatch';
import { TEST_CACHE } from '../../helpers';
import { contractSuite } from './contract-suite';

contractSuite('direct', 'direct', async () => {
  const services = new KensaServices({ cacheDir: TEST_CACHE });
  const client = directClient(services);
  return {
    client,
    rawCall: (method, arg) => dispatch(services, method, arg),
    close: () => {
      client.close();
      services.dispose();
    },
  };
});
