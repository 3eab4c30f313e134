import type { Redis } from 'ioredis';

/** Redis channel carrying changes of one engagement to open browser pages. */
export function engagementChannel(engagementId: string): string {
  return `engagement:${engagementId}`;
}

export interface TEngagementChanged {
  engagementId: string;
  stage: string;
  progress: number;
  status: string;
  at: string;
}

export interface LiveUpdatesPublisher {
  engagementChanged(change: TEngagementChanged): Promise<void>;
}

export function createLiveUpdatesPublisher(redis: Redis): LiveUpdatesPublisher {
  return {
    async engagementChanged(change) {
      await redis.publish(engagementChannel(change.engagementId), JSON.stringify(change));
    },
  };
}
