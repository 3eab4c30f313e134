import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';

/** The document storage port (Azure Blob in production, Azurite locally). */
export interface BlobStorage {
  container: ContainerClient;
  /** Checks the container is reachable; throws otherwise. */
  ping(): Promise<void>;
}

export function createBlobStorage({
  connectionString,
  containerName,
}: {
  connectionString: string;
  containerName: string;
}): BlobStorage {
  const service = BlobServiceClient.fromConnectionString(connectionString);
  const container = service.getContainerClient(containerName);
  return {
    container,
    async ping() {
      await container.getProperties();
    },
  };
}
